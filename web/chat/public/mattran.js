// The chat in Vietnamese for everyone: the page's language, and a Vietnamese name for every button (Chainlit's
// icon buttons have none, or an English one), and the reader's text size and contrast. Nothing else is changed.
(() => {
  "use strict";
  const BY_ID = {
    "new-chat-button": "Cuộc trò chuyện mới",
    "chat-submit": "Gửi tin nhắn",
    "stop-button": "Dừng",
    "theme-toggle": "Đổi giao diện sáng hoặc tối",
    "sidebar-trigger-button": "Mở hoặc đóng danh sách cuộc trò chuyện",
    "user-nav-button": "Tài khoản",
    "search-chats-button": "Tìm cuộc trò chuyện",
    "readme-button": "Hướng dẫn",
    "chat-settings-header-button": "Cài đặt",
    "command-button": "Công cụ",
    "thread-options": "Tùy chọn cuộc trò chuyện",
  };
  const BY_ICON = [
    ["lucide-thumbs-up", "Câu trả lời hữu ích"],
    ["lucide-thumbs-down", "Câu trả lời chưa hữu ích"],
    ["lucide-copy", "Sao chép"],
    ["lucide-check", "Đã sao chép"],
    ["lucide-paperclip", "Đính kèm tệp"],
    ["lucide-pencil", "Sửa tin nhắn"],
    ["lucide-square-pen", "Cuộc trò chuyện mới"],
    ["lucide-search", "Tìm"],
    ["lucide-sun", "Đổi giao diện sáng hoặc tối"],
    ["lucide-moon", "Đổi giao diện sáng hoặc tối"],
    ["lucide-panel-left", "Mở hoặc đóng danh sách cuộc trò chuyện"],
    ["lucide-ellipsis", "Tùy chọn"],
    ["lucide-settings", "Cài đặt"],
    ["lucide-x", "Đóng"],
    ["lucide-trash", "Xóa"],
    ["lucide-chevron-down", "Mở hoặc thu gọn"],
    ["lucide-chevron-up", "Mở hoặc thu gọn"],
    ["lucide-arrow-down", "Cuộn xuống tin nhắn mới nhất"],
  ];
  const WORDS = {
    "Toggle theme": "Đổi giao diện sáng hoặc tối",
    "Toggle Sidebar": "Mở hoặc đóng danh sách cuộc trò chuyện",
    Close: "Đóng",
    "Close toast": "Đóng thông báo",
    "Close lightbox": "Đóng ảnh",
    "user image": "Ảnh đại diện",
    "Open PDF in a larger view": "Mở tệp PDF lớn hơn",
    "Go to next page": "Trang sau",
    "Go to previous page": "Trang trước",
  };
  const named = (el) =>
    (el.getAttribute("aria-label") || "").trim() ||
    (el.textContent || "").trim() ||
    (el.getAttribute("title") || "").trim() ||
    el.querySelector("img[alt]:not([alt=''])");
  const iconName = (el) => {
    const svg = el.querySelector("svg");
    const classes = svg ? svg.getAttribute("class") || "" : "";
    const found = BY_ICON.find(([icon]) => classes.split(/\s+/).some((c) => c === icon || c.startsWith(icon + "-")));
    return found ? found[1] : "Nút";
  };
  const unnest = () => {
    // Chainlit puts each header link inside a button (axe: nested-interactive): the button becomes the link.
    document.querySelectorAll("button a[href]").forEach((a) => {
      const button = a.closest("button");
      button.dataset.href = a.getAttribute("href");
      a.removeAttribute("href");
      button.setAttribute("role", "link");
      button.addEventListener("click", () => window.location.assign(button.dataset.href));
    });
  };
  const mend = () => {
    if (document.documentElement.lang !== "vi") document.documentElement.lang = "vi";
    unnest();
    document.querySelectorAll(".sr-only").forEach((e) => {
      const said = WORDS[(e.textContent || "").trim()];
      if (said) e.textContent = said;
    });
    document.querySelectorAll("[aria-label], img[alt]").forEach((e) => {
      const attribute = e.hasAttribute("aria-label") ? "aria-label" : "alt";
      const said = WORDS[e.getAttribute(attribute)];
      if (said) e.setAttribute(attribute, said);
    });
    document.querySelectorAll("button, [role='button']").forEach((el) => {
      const label = BY_ID[el.id] || (named(el) ? null : iconName(el));
      if (label && el.getAttribute("aria-label") !== label) el.setAttribute("aria-label", label);
    });
  };
  let queued = false;
  const soon = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      mend();
    });
  };
  document.documentElement.lang = "vi";
  // The reader's text size and contrast (cookies set on the site's /hien-thi page; the server writes the rules).
  const display = document.createElement("link");
  display.rel = "stylesheet";
  display.href = "/hien-thi.css";
  document.head.appendChild(display);
  const start = () => {
    mend();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true, characterData: true });
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
