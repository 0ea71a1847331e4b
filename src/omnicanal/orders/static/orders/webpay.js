// Webpay Plus: the browser goes to Webpay's page by a form POST of token_ws; submit it at once
// (the button stays for browsers without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-webpay-autosubmit]");
  if (form) form.submit();
});
