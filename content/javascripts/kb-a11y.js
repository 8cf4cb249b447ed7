// 知识库的无障碍补充（axe 在浏览器旅程里检查）。只用于 Material 用脚本生成、模板里改不到的地方：
// * 搜索框是一个 role="dialog"，Material 没有给它名字（axe: aria-dialog-name）：叫“搜索”。
// * 手机上放不下、可以左右滚动的表格（Material 包在 .md-typeset__scrollwrap 里）要能用键盘
//   聚焦后滚动（axe: scrollable-region-focusable）：可以滚动时加 tabindex="0"，并以表格前面
//   最近的标题命名这个区域。
(function () {
  "use strict";

  function headingBefore(el) {
    for (let node = el; node && !node.matches(".md-content__inner"); node = node.parentElement) {
      for (let prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) return prev.textContent.replace(/¶$/, "").trim();
      }
    }
    return "";
  }

  function fix() {
    const search = document.querySelector('.md-search[role="dialog"]');
    if (search && !search.hasAttribute("aria-label")) search.setAttribute("aria-label", "搜索");
    for (const wrap of document.querySelectorAll(".md-typeset__scrollwrap")) {
      const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        const title = headingBefore(wrap);
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", (title ? title + "：" : "") + "表格，可左右滚动");
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  }

  // Material wraps the tables when it mounts the page (document$); run after it.
  if (window.document$) window.document$.subscribe(fix);
  else document.addEventListener("DOMContentLoaded", fix);
  window.addEventListener("resize", fix);
})();
