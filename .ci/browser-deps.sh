#!/usr/bin/env bash
# Debian's Chromium and a CJK font for the browser tests (Playwright cannot download a browser
# here). Installs them when running as root with apt; otherwise says what is missing.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qi 'wenquanyi\|noto sans cjk' || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "安装浏览器测试所需的软件包：${missing[*]}"
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "注意：缺少 ${missing[*]}（需要 root 用 apt 安装）；没有 /usr/bin/chromium 时浏览器测试会被跳过，没有中文字体时截图中的中文无法辨认。"
fi
exit 0
