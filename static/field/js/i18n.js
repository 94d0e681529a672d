// The app's words, Chinese first, English available; the choice is kept on the device.
const WORDS = {
  app: ["底线巡查", "Dixian field"],
  online: ["在线", "Online"],
  offline: ["离线", "Offline"],
  nav_tasks: ["任务", "Tasks"],
  nav_map: ["地图", "Map"],
  nav_outbox: ["待上传", "Outbox"],
  nav_me: ["我的", "Me"],
  login: ["登录名", "Login"],
  password: ["密码", "Password"],
  sign_in: ["登录", "Sign in"],
  sign_in_title: ["登录（需要网络，一次即可）", "Sign in (needs signal, once)"],
  sign_in_again: ["登录已失效，请重新登录以便上传（记录都在设备上）", "Your sign-in ended: sign in again to upload (your records stay on the phone)"],
  sign_in_offline: ["首次登录需要网络", "The first sign-in needs signal"],
  sign_in_other: ["设备上有 {n} 条 {login} 的记录未上传：请用该账号登录，或先退出登录", "{n} records of {login} wait on this phone: sign in as that account, or sign out first"],
  wrong_login: ["登录名或密码错误", "Wrong login or password"],
  throttled: ["尝试过多，请 {s} 秒后再试", "Too many tries: wait {s} s"],
  insecure: ["此页面通过不加密的 HTTP 打开：浏览器只允许 HTTPS（或本机）上的应用离线工作和读取定位，所以没有信号时无法打开本应用，也无法保存巡查（需要定位）。联网时仍可登录、下载和查看任务、上传已有记录。请向县里索取 https:// 地址。",
             "This page came over plain HTTP: browsers let only HTTPS (or this machine) apps work offline and read the position, so without signal it will not open, and no inspection can be saved (it needs a position). With signal you can still sign in, download and read your work, and upload what waits. Ask the county for its https:// address."],
  gps_insecure: ["HTTP 页面无法读取定位（需要 HTTPS）", "No position over plain HTTP (needs HTTPS)"],
  no_sw: ["此浏览器不支持离线应用（Service Worker）", "This browser cannot keep the app offline (no service worker)"],
  updated: ["应用已更新，重新打开后生效", "The app was updated: reopen it to use the new version"],
  reload: ["重新载入", "Reload"],
  where: ["我的位置", "Where I am"],
  locating: ["正在定位…", "Locating…"],
  gps_denied: ["未允许定位：请在浏览器设置中允许本站使用位置", "Location not allowed: allow it for this site in the browser's settings"],
  gps_none: ["暂无定位（在室外等待片刻）", "No fix yet (wait a moment outdoors)"],
  gps_poor: ["定位精度差（±{acc} m，超过 {max} m）：审核时会被标记", "Poor accuracy (±{acc} m, over {max} m): reviewers will see a flag"],
  due: ["待办（按距离）", "Due (nearest first)"],
  due_by_date: ["待办（按到期日；尚无定位）", "Due (by date; no fix yet)"],
  all_targets: ["全部对象", "All targets"],
  due_only: ["只看待办", "Due only"],
  search: ["搜索名称或编号", "Search name or id"],
  none_due: ["暂无待办", "Nothing due"],
  no_work: ["尚未下载任务：联网后点“下载我的任务”", "No work downloaded yet: with signal, tap “Download my work”"],
  more: ["显示更多", "Show more"],
  overdue_days: ["逾期 {n} 天", "{n} days overdue"],
  due_today: ["今日到期", "due today"],
  due_in: ["{n} 天后到期", "due in {n} days"],
  captured: ["已录入，待上传", "captured, to upload"],
  draft: ["草稿", "draft"],
  sent_today: ["已上传", "uploaded"],
  pick_form: ["选择检查类型", "Choose the check"],
  cancel: ["取消", "Cancel"],
  distance_to: ["距对象 {d}", "{d} from the target"],
  far: ["距对象 {d}，超过 {r} m：审核时会被标记", "{d} from the target, over {r} m: reviewers will see a flag"],
  photos: ["现场照片", "Site photos"],
  n_photos: ["照片 {n} 张", "{n} photos"],
  take_photo: ["拍照", "Take a photo"],
  from_gallery: ["从相册选", "From gallery"],
  photo_resized: ["已压缩 {a} → {b}", "shrunk {a} → {b}"],
  photo_kept: ["原图", "as taken"],
  photo_pos: ["照片位置 {lat}, {lon}", "photo at {lat}, {lon}"],
  photo_no_pos: ["照片无位置信息", "no position in the photo"],
  photo_time: ["拍摄 {t}", "taken {t}"],
  photo_fail: ["无法读取这张照片", "Cannot read this photo"],
  remove: ["删除", "Remove"],
  result: ["结论", "Result"],
  pass: ["合格", "Pass"],
  fail: ["不合格（将生成整改项）", "Fail (opens a rectification item)"],
  save: ["保存到待上传", "Save to outbox"],
  discard: ["放弃", "Discard"],
  discard_confirm: ["放弃这条记录？已填写的内容和照片将删除。", "Discard this record? Its answers and photos go."],
  fix_these: ["请修改标出的项目", "Please correct what is marked"],
  required: ["必填", "required"],
  need_photo: ["请拍摄现场照片", "Take a site photo"],
  need_fix: ["等待定位后才能保存", "Wait for a position before saving"],
  too_big: ["照片合计 {mb} MB，超过上传上限 {max} MB：请删去几张", "Photos total {mb} MB, over the {max} MB upload limit: remove some"],
  saved: ["已保存（{id}），待上传", "Saved ({id}), waiting to upload"],
  sync: ["立即上传", "Upload now"],
  syncing: ["正在上传…", "Uploading…"],
  sync_offline: ["离线：有信号时自动上传", "Offline: uploads start when there is signal"],
  counts: ["待上传 {w} · 失败 {f} · 已上传 {s}", "waiting {w} · failed {f} · sent {s}"],
  waiting: ["待上传", "Waiting"],
  failed: ["被退回（请修改或删除）", "Refused (correct or discard)"],
  drafts: ["草稿", "Drafts"],
  sent: ["已上传", "Sent"],
  attempts: ["已尝试 {n} 次：{msg}", "tried {n} times: {msg}"],
  edit: ["修改", "Correct"],
  resume: ["继续填写", "Continue"],
  nothing_here: ["没有记录", "Nothing here"],
  flags: ["提示", "Flags"],
  no_flags: ["无异常提示", "No flags"],
  sync_done: ["上传 {n} 条", "{n} uploaded"],
  account: ["账号", "Account"],
  scope: ["范围", "Scope"],
  work: ["我的任务", "My work"],
  work_at: ["下载于 {t}：{n} 个对象，{d} 项待办", "downloaded {t}: {n} targets, {d} due"],
  work_capped: ["（范围内共 {n} 个，先下载待办的）", "(of {n} in scope; the due ones first)"],
  download: ["下载我的任务", "Download my work"],
  downloading: ["正在下载…", "Downloading…"],
  downloaded: ["任务已更新", "Work updated"],
  need_signal: ["需要网络", "Needs signal"],
  storage: ["设备存储", "Storage on this phone"],
  persisted: ["已获准持久保存（浏览器不会自动清除）", "Kept persistently (the browser will not clear it)"],
  not_persisted: ["浏览器未准许持久保存：请将本应用添加到主屏幕", "The browser did not grant persistent storage: add the app to the home screen"],
  used: ["已用 {u} MB / 可用 {q} MB", "{u} MB used of {q} MB"],
  language: ["语言", "Language"],
  sign_out: ["退出登录并清除设备数据", "Sign out and clear this phone"],
  sign_out_confirm: ["退出登录将删除设备上的任务和记录。", "Signing out deletes the work and records on this phone."],
  sign_out_unsent: ["还有 {n} 条记录未上传，退出后将丢失！", "{n} records are not uploaded and will be lost!"],
  signed_out_offline: ["已清除设备。离线时无法注销令牌：它将在到期时失效", "This phone is cleared. Offline, the token could not be revoked: it ends when it expires"],
  install: ["安装到主屏幕", "Install on the home screen"],
  install_hint: ["在浏览器菜单中选“添加到主屏幕”", "Use the browser menu: “Add to Home screen”"],
};

let current = localStorage.getItem("dixian-field-lang") === "en" ? "en" : "zh";

export const lang = () => current;
export function setLang(l) {
  current = l === "en" ? "en" : "zh";
  localStorage.setItem("dixian-field-lang", current);
  document.documentElement.lang = current === "en" ? "en" : "zh-CN";
}

/** A phrase in the current language, {name} filled from `vars`. */
export function t(key, vars = {}) {
  const pair = WORDS[key];
  const s = pair ? pair[current === "en" ? 1 : 0] : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? "" : String(vars[k])));
}

/** The current language's half of a form's "中文 / English" text. */
export function half(text) {
  const parts = String(text || "").split(" / ");
  return current === "en" ? parts[parts.length - 1] : parts[0];
}
