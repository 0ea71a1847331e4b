from django.db import transaction

from omnicanal.customers import matching
from omnicanal.customers.models import MergeSuggestion, SuggestionStatus
from omnicanal.customers.services import do_accept_suggestion, do_find_duplicates, do_reject_suggestion


def find():
    with transaction.atomic():
        return do_find_duplicates()


def test_names_match_across_accents_order_and_nicknames():
    assert matching.name_similarity("Francisco Javier Pérez Soto", "PANCHO PEREZ") >= matching.NAME_STRONG
    assert matching.name_similarity("Pérez Soto María José", "maria jose perez soto") == 100
    assert matching.name_similarity("Feña Rojas", "Fernanda Rojas") == 100
    assert matching.name_similarity("Camila Rojas", "Catalina Rojas") < matching.NAME_STRONG


def test_an_email_written_differently_is_the_same_mailbox():
    assert matching.email_key("Juan.Perez+tienda@GoogleMail.com") == matching.email_key("juanperez@gmail.com")
    assert matching.email_key("juan.perez@hotmail.com") != matching.email_key("juanperez@hotmail.com")


def test_the_same_address_typed_differently_matches_but_not_another_house():
    a = matching.address_key("Av. Providencia 1650, depto 42", "Providencia")
    b = matching.address_key("avenida providencia 1650 dpto 42", "PROVIDENCIA")
    c = matching.address_key("Av. Providencia 1651, depto 42", "Providencia")
    assert matching.address_similarity(a, b) >= matching.ADDRESS_SAME
    assert matching.address_similarity(a, c) == 0


def test_the_finder_suggests_likely_pairs_and_leaves_strangers_alone(identify):
    address = {"line1": "Av. Providencia 1650, depto 42", "city": "Providencia", "country": "CL"}
    francisco = identify("web", ("email", "francisco.perez@gmail.com"), name="Francisco Javier Pérez Soto",
                         address=address).customer
    pancho = identify("pos", ("pos_customer", "POS-1"), name="Pancho Perez",
                      address={"line1": "avenida providencia 1650 dpto 42", "city": "providencia"}).customer
    tagged = identify("web", ("email", "Francisco.Perez+ofertas@gmail.com"), name="F. Pérez").customer
    identify("web", ("email", "otra@example.cl"), name="Francisca Pérez", address=address)  # same house, other name
    created = find()
    pairs = {frozenset((s.customer_a_id, s.customer_b_id)) for s in created}
    assert frozenset((francisco.pk, pancho.pk)) in pairs
    assert frozenset((francisco.pk, tagged.pk)) in pairs
    assert len(pairs) == 2
    assert find() == []  # nothing new the second time


def test_accept_merges_and_reject_is_forever(identify):
    a = identify("web", ("email", "juanperez@gmail.com"), name="Juan Pérez").customer
    b = identify("web", ("email", "juan.perez@gmail.com"), name="Juan Perez").customer
    c = identify("web", ("email", "juan.perez+x@gmail.com"), name="Juan P").customer
    find()
    ab = MergeSuggestion.objects.get(customer_a=a, customer_b=b)
    ac = MergeSuggestion.objects.get(customer_a=a, customer_b=c)
    with transaction.atomic():
        survivor = do_accept_suggestion(suggestion_id=ab.public_id)
        do_reject_suggestion(suggestion_id=ac.public_id)
    assert survivor.pk == a.pk
    assert MergeSuggestion.objects.get(pk=ab.pk).status == SuggestionStatus.ACCEPTED
    assert MergeSuggestion.objects.get(pk=ac.pk).status == SuggestionStatus.REJECTED
    find()
    assert not MergeSuggestion.objects.filter(status=SuggestionStatus.OPEN).exists()
