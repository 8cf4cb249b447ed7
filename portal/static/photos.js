/* Photo fields of the need and whistle forms (form[data-photo-form]), on top of forms that
   work without this file (the server checks, shrinks and cleans every photo):
   - the limits (how many, which kinds, how large) are checked as soon as photos are chosen;
   - each photo is shrunk here (longest side 2000 px, JPEG: no EXIF, no location) and shown;
     one this browser cannot read (HEIC outside Safari) is sent as it is, if not too large;
   - the form is sent with XMLHttpRequest, with a progress bar;
   - when the server refuses something (a photo, a field, an expired page, a limit), its
     messages are put beside the fields of this page: nothing typed or chosen is lost, and a
     network failure keeps everything too. */
(function () {
  "use strict";

  if (!window.FormData || !window.XMLHttpRequest || !window.DOMParser || !window.createImageBitmap ||
      !window.Promise || !HTMLCanvasElement.prototype.toBlob) {
    return; /* the plain form: the server does the work */
  }

  var KINDS = /\.(jpe?g|png|webp|heic|heif)$/i;
  var MIME = /^image\/(jpeg|png|webp|heic|heif)$/;
  var MB = 1024 * 1024;

  Array.prototype.forEach.call(document.querySelectorAll("form[data-photo-form]"), setUp);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text) { node.textContent = text; }
    return node;
  }

  function mb(bytes) {
    return (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0) + " MB";
  }

  function decode(file) {
    /* EXIF orientation applied, so the shrunk photo is upright. */
    return createImageBitmap(file, { imageOrientation: "from-image" })
      .catch(function () { return createImageBitmap(file); });
  }

  /* {blob, preview} of the photo shrunk to at most `side` px as a JPEG, or null when this
     browser cannot read it. */
  function shrink(file, side) {
    return decode(file).then(function (bitmap) {
      var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      var canvas = el("canvas");
      canvas.width = width;
      canvas.height = height;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; /* transparent PNG: on white, as the server does */
      ctx.fillRect(0, 0, width, height);
      ctx.drawImage(bitmap, 0, 0, width, height);
      if (bitmap.close) { bitmap.close(); }
      var preview = el("canvas");
      var small = Math.min(1, 208 / Math.max(width, height));
      preview.width = Math.max(1, Math.round(width * small));
      preview.height = Math.max(1, Math.round(height * small));
      preview.getContext("2d").drawImage(canvas, 0, 0, preview.width, preview.height);
      preview.setAttribute("aria-hidden", "true");
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          canvas.width = canvas.height = 0; /* frees the pixels now */
          resolve(blob ? { blob: blob, preview: preview } : null);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return null; });
  }

  function directChildren(node, cls) {
    return Array.prototype.filter.call(node.children, function (c) { return c.classList.contains(cls); });
  }

  function nameOf(field) {
    var control = field.querySelector("[name]");
    return control ? control.name : "";
  }

  /* The server's answer is the same form with its messages: put them on this page. */
  function merge(form, fresh) {
    var token = fresh.querySelector('input[name="csrf_token"]');
    var liveToken = form.querySelector('input[name="csrf_token"]');
    if (token && liveToken) { liveToken.value = token.value; } /* the page may have expired */
    directChildren(form, "form-errors").forEach(function (node) { node.remove(); });
    var top = directChildren(fresh, "form-errors")[0];
    if (top) {
      var copy = document.importNode(top, true);
      if (liveToken) { liveToken.insertAdjacentElement("afterend", copy); } else { form.prepend(copy); }
    }
    var twins = {};
    Array.prototype.forEach.call(fresh.querySelectorAll(".field"), function (field) {
      var name = nameOf(field);
      if (name && !twins[name]) { twins[name] = field; }
    });
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (field) {
      var name = nameOf(field);
      if (!name) { return; }
      var twin = twins[name];
      var wrong = Boolean(twin && twin.classList.contains("has-error"));
      directChildren(field, "errors").forEach(function (node) { node.remove(); });
      field.classList.toggle("has-error", wrong);
      Array.prototype.forEach.call(field.querySelectorAll("[name]"), function (control) {
        if (wrong) { control.setAttribute("aria-invalid", "true"); } else { control.removeAttribute("aria-invalid"); }
      });
      if (twin) {
        directChildren(twin, "errors").forEach(function (node) {
          var copy = document.importNode(node, true);
          var after = directChildren(field, "photo-status")[0];
          if (after) { after.insertAdjacentElement("afterend", copy); } else { field.appendChild(copy); }
        });
      }
    });
    var first = form.querySelector(".form-errors, .has-error");
    if (first) {
      first.scrollIntoView({ block: "center" });
      var control = first.querySelector("input:not([type=hidden]), select, textarea");
      if (control) { control.focus({ preventScroll: true }); }
    }
  }

  function setUp(form) {
    var input = form.querySelector('input[type="file"][data-max-count]');
    if (!input) { return; }
    var maxCount = parseInt(input.getAttribute("data-max-count"), 10) || 3;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 25 * MB;
    var side = parseInt(input.getAttribute("data-side"), 10) || 2000;
    var formats = input.getAttribute("data-formats") || "JPG、PNG、WebP 或 HEIC";
    var field = input.closest(".field") || input.parentNode;
    var photos = []; /* {file, name, blob, ready, li} in the order chosen */
    var list = el("ul", "photo-previews");
    var status = el("p", "photo-status");
    status.setAttribute("aria-live", "polite");
    var pick = el("button", "btn btn-outline btn-small photo-pick", "选择照片（拍照或从相册选）");
    pick.type = "button";
    pick.addEventListener("click", function () { input.click(); });
    input.classList.add("photo-input"); /* the browser's own control, out of sight */
    input.insertAdjacentElement("afterend", pick);
    pick.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    var actions = form.querySelector(".actions");
    var button = form.querySelector('button[type="submit"], button:not([type])');
    var progress = null;
    var failure = null;
    var busy = false;

    function say(text, isError) {
      status.textContent = text || "";
      status.classList.toggle("is-error", Boolean(isError));
    }

    function refresh() {
      input.disabled = pick.disabled = photos.length >= maxCount;
      if (photos.length >= maxCount) { say("已选 " + maxCount + " 张，最多 " + maxCount + " 张；要换照片请先移除一张。"); }
    }

    function remove(item) {
      photos.splice(photos.indexOf(item), 1);
      item.li.remove();
      say("");
      refresh();
    }

    function add(file) {
      var item = { file: file, name: file.name, blob: null, li: el("li") };
      var picture = el("div", "photo-placeholder", "处理中…");
      var size = el("span", "photo-size", file.name);
      var drop = el("button", "", "移除");
      drop.type = "button";
      drop.setAttribute("aria-label", "移除照片 " + file.name);
      drop.addEventListener("click", function () { remove(item); });
      item.li.appendChild(picture);
      item.li.appendChild(size);
      item.li.appendChild(drop);
      list.appendChild(item.li);
      photos.push(item);
      item.ready = shrink(file, side).then(function (done) {
        if (done) {
          item.blob = done.blob;
          item.name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          picture.replaceWith(done.preview);
          size.textContent = mb(file.size) + " → " + mb(done.blob.size);
        } else if (file.size > maxBytes) {
          remove(item);
          say("“" + file.name + "”有 " + mb(file.size) + "，超过了每张 " + mb(maxBytes) +
              " 的限制，这个浏览器也无法把它缩小。请换一张，或在手机上缩小后再选。", true);
        } else {
          item.blob = file; /* the server reads and shrinks it */
          picture.textContent = /\.hei[cf]$/i.test(file.name) ? "HEIC 照片" : "无法预览";
          size.textContent = mb(file.size) + "，由服务器处理";
        }
      });
    }

    input.addEventListener("change", function () {
      var problems = [];
      Array.prototype.forEach.call(input.files || [], function (file) {
        if (photos.length >= maxCount) {
          problems.push("最多 " + maxCount + " 张照片，“" + file.name + "”没有加入。");
        } else if (!KINDS.test(file.name) && !MIME.test(file.type)) {
          problems.push("“" + file.name + "”不是可以接收的照片：只能上传 " + formats + " 格式的照片。");
        } else {
          add(file);
        }
      });
      input.value = ""; /* the list holds them; the field can choose more */
      say(problems.join(" "), problems.length > 0);
      refresh();
    });

    function showProgress(percent, text) {
      if (!progress) {
        progress = el("div", "upload-progress");
        progress.setAttribute("role", "status");
        progress.appendChild(el("progress"));
        progress.appendChild(el("p"));
        progress.firstChild.max = 100;
        (actions || button).insertAdjacentElement("beforebegin", progress);
      }
      progress.hidden = false;
      progress.firstChild.value = percent;
      progress.lastChild.textContent = text;
    }

    function finish(message) {
      busy = false;
      if (button) { button.disabled = false; }
      if (progress) { progress.hidden = true; }
      if (failure) { failure.remove(); failure = null; }
      if (message) {
        failure = el("p", "upload-failed", message);
        failure.setAttribute("role", "alert");
        (actions || button).insertAdjacentElement("beforebegin", failure);
      }
    }

    function answered(xhr) {
      var next = xhr.getResponseHeader("X-Location");
      if (xhr.status === 200 && next) {
        showProgress(100, "提交成功，正在打开…");
        var target = new URL(next, window.location.href);
        if (target.href.split("#")[0] === window.location.href.split("#")[0]) {
          // The same page with a fragment (a patrol's #findings): assigning it would only
          // scroll, so the page is loaded again to show what was just recorded.
          window.location.replace(target.href);
          window.location.reload();
          return;
        }
        window.location.assign(next);
        return;
      }
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var fresh = doc.querySelector("form[data-photo-form]");
      if (fresh) {
        finish("");
        merge(form, fresh);
        return;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        document.open();
        document.write(xhr.responseText);
        document.close();
        return;
      }
      var title = doc.querySelector("main h1");
      finish("提交没有成功" + (title ? "：" + title.textContent.trim() : "（" + xhr.status + "）") +
             "。您填写的内容和选的照片都还在，请稍后再提交一次。");
    }

    function send() {
      var data = new FormData(form);
      data.delete(input.name);
      photos.forEach(function (item) {
        if (item.blob) { data.append(input.name, item.blob, item.name); }
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.setRequestHeader("X-Photo-Upload", "1");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          var percent = Math.round(event.loaded / event.total * 100);
          showProgress(percent, "正在上传 " + percent + "%（" + mb(event.loaded) + " / " + mb(event.total) + "）");
        }
      });
      xhr.upload.addEventListener("load", function () { showProgress(100, "已上传，正在处理…"); });
      xhr.addEventListener("load", function () { answered(xhr); });
      ["error", "abort", "timeout"].forEach(function (kind) {
        xhr.addEventListener(kind, function () {
          finish("网络中断，没有提交成功。您填写的内容和选的照片都还在，请检查网络后再提交一次。");
        });
      });
      showProgress(0, "正在上传…");
      xhr.send(data);
    }

    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented) { return; }
      event.preventDefault();
      if (busy) { return; }
      busy = true;
      if (button) { button.disabled = true; }
      showProgress(0, photos.length ? "正在准备照片…" : "正在提交…");
      Promise.all(photos.map(function (item) { return item.ready; })).then(send, function () {
        finish("照片没能准备好，请移除后重新选择。");
      });
    });
  }
})();
