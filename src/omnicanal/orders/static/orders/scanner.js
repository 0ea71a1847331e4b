/* The camera as a barcode and QR scanner, for any console page.

   <input id="code" name="code">
   <button type="button" hidden data-scan="#code"            the field that receives what was read
           data-scan-submit                                  optional: submit the field's form after
           data-scan-fallback="/static/…/zxing.min.js"       the vendored decoder, for browsers
                                                             without BarcodeDetector (loaded on first use)
           data-scan-title="…" data-scan-close="…">📷</button>  (translated texts)

   The button shows only where a camera can be asked for. What is read goes into the field (an
   `input` event follows) and the button dispatches `scan:result` {detail: {text, format}}. The
   browser's BarcodeDetector is used where it exists; otherwise the vendored ZXing build (Apache-2.0,
   static/orders/vendor/zxing/) decodes canvas frames. Nothing is fetched from another site. */
(function () {
  "use strict";
  const FORMATS = ["qr_code", "ean_13", "ean_8", "upc_a", "upc_e", "code_128", "code_39", "itf"];
  let fallbackLoading = null;

  function loadFallback(url) {
    if (window.ZXing) return Promise.resolve(window.ZXing);
    if (!fallbackLoading) {
      fallbackLoading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = url;
        script.onload = function () { resolve(window.ZXing); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return fallbackLoading;
  }

  /* A decoder: detect(source) -> Promise<{text, format} | null>, source a video or a canvas. */
  async function makeDecoder(fallbackUrl) {
    if ("BarcodeDetector" in window) {
      try {
        const supported = await window.BarcodeDetector.getSupportedFormats();
        const formats = FORMATS.filter(function (f) { return supported.indexOf(f) >= 0; });
        if (formats.length) {
          const detector = new window.BarcodeDetector({formats: formats});
          return async function (source) {
            const found = await detector.detect(source);
            return found.length ? {text: found[0].rawValue, format: found[0].format} : null;
          };
        }
      } catch (e) { /* fall through to the vendored decoder */ }
    }
    const ZXing = await loadFallback(fallbackUrl);
    const hints = new Map();
    hints.set(ZXing.DecodeHintType.TRY_HARDER, true);
    const reader = new ZXing.MultiFormatReader();
    reader.setHints(hints);
    const canvas = document.createElement("canvas");
    return async function (source) {
      let frame = source;
      if (source instanceof HTMLVideoElement) {
        if (!source.videoWidth) return null;
        canvas.width = source.videoWidth;
        canvas.height = source.videoHeight;
        canvas.getContext("2d", {willReadFrequently: true}).drawImage(source, 0, 0);
        frame = canvas;
      }
      try {
        const bitmap = new ZXing.BinaryBitmap(new ZXing.HybridBinarizer(new ZXing.HTMLCanvasElementLuminanceSource(frame)));
        const result = reader.decode(bitmap);
        return {text: result.getText(), format: String(ZXing.BarcodeFormat[result.getBarcodeFormat()] || "").toLowerCase()};
      } catch (e) {
        return null; // nothing readable in this frame
      }
    };
  }

  function dialogFor(button) {
    const dialog = document.createElement("dialog");
    dialog.className = "pos-scan-dialog";
    dialog.setAttribute("aria-label", button.dataset.scanTitle || "");
    const title = document.createElement("p");
    title.textContent = button.dataset.scanTitle || "";
    const video = document.createElement("video");
    video.setAttribute("playsinline", "");
    video.muted = true;
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = button.dataset.scanClose || "×";
    close.style.minHeight = "44px";
    dialog.append(title, video, close);
    document.body.appendChild(dialog);
    return {dialog: dialog, video: video, close: close};
  }

  function deliver(button, hit) {
    const field = document.querySelector(button.dataset.scan);
    if (field) {
      field.value = hit.text;
      field.dispatchEvent(new Event("input", {bubbles: true}));
    }
    button.dispatchEvent(new CustomEvent("scan:result", {bubbles: true, detail: hit}));
    if (field && field.form && button.hasAttribute("data-scan-submit")) field.form.requestSubmit();
  }

  async function scan(button) {
    const ui = dialogFor(button);
    let stream = null;
    let running = true;
    function stop() {
      running = false;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      if (ui.dialog.open) ui.dialog.close();
      ui.dialog.remove();
    }
    ui.close.addEventListener("click", stop);
    ui.dialog.addEventListener("cancel", stop);
    ui.dialog.showModal();
    try {
      const decode = await makeDecoder(button.dataset.scanFallback);
      stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false});
      ui.video.srcObject = stream;
      await ui.video.play();
      while (running) {
        const hit = await decode(ui.video);
        if (hit && hit.text) {
          stop();
          deliver(button, hit);
          return;
        }
        await new Promise(function (r) { setTimeout(r, 200); });
      }
    } catch (e) {
      stop();
    }
  }

  function init(root) {
    const canAsk = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    root.querySelectorAll("[data-scan]").forEach(function (button) {
      if (button.dataset.scanReady) return;
      button.dataset.scanReady = "1";
      if (canAsk) button.hidden = false;
      button.addEventListener("click", function () { scan(button); });
    });
  }

  /* Other scripts (and tests) may decode a still image: OmnicanalScanner.decode(canvasOrImage). */
  window.OmnicanalScanner = {
    init: init,
    decode: async function (source, fallbackUrl) {
      let canvas = source;
      if (!(source instanceof HTMLCanvasElement)) {
        canvas = document.createElement("canvas");
        canvas.width = source.naturalWidth || source.width;
        canvas.height = source.naturalHeight || source.height;
        canvas.getContext("2d").drawImage(source, 0, 0);
      }
      const decode = await makeDecoder(fallbackUrl || (document.querySelector("[data-scan-fallback]") || {dataset: {}}).dataset.scanFallback);
      return decode(canvas);
    },
  };
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
