// Documents from the phone's camera (claims/_camera.html). Each photo taken or picked joins a
// list with a thumbnail and its kind of document; on sending, the photos are put into the
// form's file box of their kind, so the server receives exactly what the boxes would send.
// Thumbnails are drawn on <canvas> (no blob: or inline images, so the strict CSP holds).
// Without this script, or in a browser that cannot set a file box's files, the boxes per kind
// stay as they are; on a desktop they are shown beside the thumbnails of what was chosen.
(() => {
  "use strict";

  const canSetFiles = (() => {
    try { return typeof DataTransfer === "function" && new DataTransfer().files !== undefined; }
    catch (e) { return false; }
  })();

  // A thumbnail of a picture, cropped square, or the file's type written on a grey tile
  // (a PDF; a HEIC where the browser cannot read it: it is converted on the server).
  function drawThumbnail(canvas, file) {
    const context = canvas.getContext("2d");
    const size = canvas.width;
    const tile = (text) => {
      context.fillStyle = "#e9ecef";
      context.fillRect(0, 0, size, size);
      context.fillStyle = "#41464b";
      context.font = `bold ${Math.round(size / 5)}px sans-serif`;
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText(text, size / 2, size / 2);
    };
    const extension = (file.name.split(".").pop() || "").toUpperCase();
    if (!file.type.startsWith("image/") || typeof createImageBitmap !== "function") {
      tile(file.type === "application/pdf" ? "PDF" : extension || "文件");
      return Promise.resolve();
    }
    return createImageBitmap(file).then((bitmap) => {
      const side = Math.min(bitmap.width, bitmap.height);
      context.drawImage(bitmap, (bitmap.width - side) / 2, (bitmap.height - side) / 2, side, side, 0, 0, size, size);
      if (bitmap.close) bitmap.close();
    }).catch(() => tile(extension || "照片"));
  }

  function sizeText(bytes) {
    return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }

  // --- The photo list on a phone --------------------------------------------------------------

  function setUpCamera(form) {
    const camera = form.querySelector("[data-camera]");
    if (!camera || !canSetFiles) return;
    const tray = camera.querySelector("[data-camera-tray]");
    const template = camera.querySelector("template[data-camera-item]");
    const maxFiles = Number(form.dataset.maxFiles || 10);
    const maxBytes = Number(form.dataset.maxBytes || 10485760);
    const photos = [];     // {file, row}
    camera.hidden = false;
    form.classList.add("has-camera");

    // The kind a new photo gets: the first missing kind no photo has yet, else the previous one's.
    function nextKind(select) {
      const taken = new Set(photos.map((p) => p.row.querySelector("[data-camera-kind]").value));
      const missing = [...select.options].filter((o) => o.hasAttribute("data-missing") && !taken.has(o.value));
      if (missing.length) return missing[0].value;
      return photos.length ? photos[photos.length - 1].row.querySelector("[data-camera-kind]").value : select.value;
    }

    function renumber() {
      photos.forEach((photo, index) => {
        const number = index + 1;
        const select = photo.row.querySelector("[data-camera-kind]");
        select.id = `camera-kind-${number}`;
        photo.row.querySelector("[data-camera-label]").setAttribute("for", select.id);
        photo.row.querySelector("[data-camera-label]").textContent = `第 ${number} 张：材料类型`;
        photo.row.querySelector("canvas").setAttribute("aria-label", `第 ${number} 张的缩略图`);
        photo.row.querySelector("[data-camera-remove]").setAttribute("aria-label", `移除第 ${number} 张`);
      });
    }

    function add(file) {
      const row = template.content.firstElementChild.cloneNode(true);
      const select = row.querySelector("[data-camera-kind]");
      select.value = nextKind(select);
      const tooLarge = file.size > maxBytes;
      row.querySelector("[data-camera-name]").textContent =
        `${file.name}（${sizeText(file.size)}）${tooLarge ? "：超过大小上限，请重拍或压缩" : ""}`;
      if (tooLarge) row.classList.add("camera-item-refused");
      row.querySelector("[data-camera-remove]").addEventListener("click", () => {
        photos.splice(photos.findIndex((p) => p.row === row), 1);
        row.remove();
        renumber();
      });
      tray.append(row);
      photos.push({file, row});
      renumber();
      drawThumbnail(row.querySelector("canvas"), file);
    }

    camera.querySelectorAll("[data-camera-input]").forEach((input) => {
      input.addEventListener("change", () => {
        [...input.files].forEach(add);
        input.value = "";          // the same button takes the next photo
      });
    });

    // On sending, each photo goes into the file box of its kind (with what the box already had).
    form.addEventListener("submit", (event) => {
      if (!photos.length) return;
      if (photos.length > maxFiles) {
        event.preventDefault();
        event.stopImmediatePropagation();
        window.alert(`一次最多上传 ${maxFiles} 个文件，请移除几张，其余的下次上传。`);
        return;
      }
      const byKind = new Map();
      photos.forEach(({file, row}) => {
        const kind = row.querySelector("[data-camera-kind]").value;
        if (!byKind.has(kind)) byKind.set(kind, []);
        byKind.get(kind).push(file);
      });
      byKind.forEach((files, kind) => {
        const box = form.querySelector(`input[type=file][data-kind="${kind}"]`);
        const transfer = new DataTransfer();
        [...box.files, ...files].forEach((f) => transfer.items.add(f));
        box.files = transfer.files;
      });
    });
  }

  // --- Thumbnails under the file boxes (desktop) -----------------------------------------------

  function setUpPreviews(form) {
    form.querySelectorAll("input[type=file][data-kind]").forEach((input) => {
      const previews = form.querySelector(`[data-previews-for="${input.id}"]`);
      if (!previews) return;
      input.addEventListener("change", () => {
        previews.replaceChildren();
        [...input.files].forEach((file) => {
          const figure = document.createElement("figure");
          figure.className = "file-preview";
          const canvas = document.createElement("canvas");
          canvas.width = canvas.height = 96;
          canvas.setAttribute("role", "img");
          canvas.setAttribute("aria-label", `${file.name} 的缩略图`);
          const caption = document.createElement("figcaption");
          caption.textContent = file.name;
          figure.append(canvas, caption);
          previews.append(figure);
          drawThumbnail(canvas, file);
        });
      });
    });
  }

  document.querySelectorAll("form[data-photo-upload]").forEach((form) => {
    setUpCamera(form);
    setUpPreviews(form);
  });
})();
