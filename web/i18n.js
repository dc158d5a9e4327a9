// i18n.js — every string the web UI shows, in Simplified Chinese (the
// default) and English, plus the language switch and date formatting.
//
// Keys are dotted names. `err.<code>` holds the localised message for each
// API error code of src/base/errors.h; the UI picks it by the `code` of the
// error body and falls back to the server's own message when the code is
// unknown here. Placeholders are written {name} and filled by t(key, vars).

const STORAGE_KEY = 'sunbid.lang';
export const LANGS = ['zh-CN', 'en'];

const zh = {
  'app.name': '公共资源交易平台',
  'app.short': 'sunbid',
  'app.tagline': '公开 · 公平 · 公正 · 诚信',
  'app.title': '公共资源交易平台 · sunbid',
  'app.skip': '跳到主要内容',
  'app.footer': 'sunbid 公共资源交易平台 · 电子招标投标、不见面开标、网络竞价、专家评审与行政监督',
  'app.version': '版本 {version}',
  'app.loading': '正在加载…',
  'app.load_more': '加载更多',
  'app.retry': '重试',
  'app.none': '—',
  'app.required': '必填',

  'lang.switch': 'English',
  'lang.switch_label': '切换为英文界面 (Switch to English)',

  'nav.label': '主导航',
  'nav.menu': '菜单',
  'nav.menu_open': '打开导航菜单',
  'nav.menu_close': '关闭导航菜单',
  'nav.home': '交易公告',
  'nav.workspace': '工作台',
  'nav.users': '用户管理',
  'nav.orgs_admin': '机构管理',
  'nav.orgs': '机构',
  'nav.audit': '审计日志',
  'nav.ledger': '数字见证',
  'nav.login': '登录',
  'nav.logout': '退出登录',
  'nav.user_label': '当前用户',

  'role.admin': '平台管理员',
  'role.agent': '招标人/代理机构',
  'role.bidder': '投标人/竞买人',
  'role.expert': '评标专家',
  'role.supervisor': '行政监督',
  'role.desc.admin': '管理用户、机构、专家库、受信任的 CA 与平台配置；不能查看密封的投标文件，也不能改动历史记录。',
  'role.desc.agent': '创建招标项目、发布公告、答疑澄清、主持开标、组织评标并发布结果。',
  'role.desc.bidder': '登记机构与密钥，下载招标文件，加密并递交投标文件，开标时解密，参与网络竞价，提出异议。',
  'role.desc.expert': '被抽取后确认参加，独立评审打分，提出澄清要求，签署评标报告。',
  'role.desc.supervisor': '查看交易全过程（开标前不能解密），接收预警，处理投诉，移交线索。',

  'cat.all': '全部',
  'cat.works': '工程建设',
  'cat.goods': '政府采购（货物）',
  'cat.services': '政府采购（服务）',
  'cat.land': '土地使用权',
  'cat.mining': '矿业权',
  'cat.assets': '国有产权',
  'cat.emission': '排污权',

  'kind.tender': '招标公告',
  'kind.change': '变更公告',
  'kind.result': '中标结果公示',
  'kind.auction': '竞价公告',

  'home.title': '交易公告',
  'home.intro': '工程建设、政府采购、土地矿业权、国有产权、排污权等公共资源交易的招标公告、变更公告与中标结果公示，向社会公开。',
  'home.filter': '按交易类别筛选',
  'home.empty': '暂无公告',
  'home.empty_hint': '有新的招标公告或中标结果公示发布后，将在此处显示。',
  'home.empty_cat': '“{category}”类别下暂无公告。',
  'home.load_failed': '公告加载失败。',
  'home.published': '发布时间',
  'home.region': '地区',
  'home.side_title': '交易主体服务',
  'home.side_anon': '招标人、代理机构、投标人、评标专家与监督人员请登录后办理业务。',
  'home.side_user': '您已登录，可进入工作台办理业务。',
  'home.side_login': '登录平台',
  'home.side_workspace': '进入工作台',

  'login.title': '用户登录',
  'login.intro': '请使用平台分配的账号登录。',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.expired': '登录状态已失效，请重新登录。',
  'login.retry_after': '尝试次数过多，请在 {seconds} 秒后再试。',
  'login.need': '请填写用户名和密码。',

  'ws.title': '工作台',
  'ws.welcome': '您好，{name}',
  'ws.account': '账户信息',
  'ws.username': '用户名',
  'ws.display_name': '姓名/显示名称',
  'ws.roles': '角色',
  'ws.org': '所属机构',
  'ws.no_org': '未关联机构',
  'ws.org_name': '机构名称',
  'ws.uscc': '统一社会信用代码',
  'ws.my_roles': '我的职责',
  'ws.shortcuts': '常用功能',

  'users.title': '用户管理',
  'users.intro': '平台账号及其角色、所属机构。',
  'users.new': '新建用户',
  'users.create': '创建用户',
  'users.created': '已创建用户“{name}”。',
  'users.username': '用户名',
  'users.username_hint': '3–32 位，以小写字母开头，可含小写字母、数字及 _ . -；创建后不可更改。',
  'users.display_name': '显示名称',
  'users.password': '初始密码',
  'users.password_hint': '至少 8 位，含字母、数字、符号中的至少两类。请通过安全渠道告知用户，并提醒其登录后修改。',
  'users.roles': '角色',
  'users.org': '所属机构',
  'users.org_none': '不关联机构',
  'users.status': '状态',
  'users.active': '正常',
  'users.disabled': '已停用',
  'users.created_at': '创建时间',
  'users.empty': '暂无用户',
  'users.need_roles': '请至少选择一个角色。',

  'orgs.title_admin': '机构管理',
  'orgs.title': '机构',
  'orgs.intro': '在平台登记的交易主体：招标人、代理机构、投标人等。',
  'orgs.readonly': '只读',
  'orgs.new': '登记机构',
  'orgs.create': '提交登记',
  'orgs.created': '已登记机构“{name}”。',
  'orgs.name': '机构名称',
  'orgs.uscc': '统一社会信用代码',
  'orgs.uscc_hint': '18 位，按 GB 32100 校验。',
  'orgs.legal_rep': '法定代表人',
  'orgs.contact_name': '联系人',
  'orgs.contact_phone': '联系电话',
  'orgs.contact_email': '联系邮箱',
  'orgs.address': '地址',
  'orgs.contact': '联系方式',
  'orgs.created_at': '登记时间',
  'orgs.empty': '暂无机构',

  'audit.title': '审计日志',
  'audit.intro': '平台上每一次写操作的记录：谁、在何时、从何处、做了什么。日志只能追加，任何人都不能修改或删除。',
  'audit.at': '时间',
  'audit.actor': '操作人',
  'audit.action': '操作',
  'audit.object': '对象',
  'audit.remote_addr': '来源地址',
  'audit.request_id': '请求编号',
  'audit.detail': '详情',
  'audit.empty': '暂无审计记录',

  'ledger.title': '数字见证',
  'ledger.intro': '平台上每一项重要操作都写入一本只能追加的默克尔日志（透明日志，RFC 9162）。任何人都可以查看已签名的检查点、浏览公开的存证记录，并验证某条记录确实在日志中。',
  'ledger.honest': '说明：“验证存证”在您的浏览器中运行——浏览器从服务器取得包含证明，用 WebCrypto SHA-256 自行计算，并与检查点中的根哈希比对。检查点的签名由服务器的日志密钥签署，本页不在浏览器中验证该签名；如需独立核验签名，可用下方公布的公钥，以任何支持 C2SP 签名注记（signed note）的工具离线核验。',
  'ledger.cp_title': '最新检查点',
  'ledger.cp_none': '日志尚未签发检查点。',
  'ledger.origin': '日志名称',
  'ledger.size': '记录条数（树大小）',
  'ledger.root': '根哈希（Base64）',
  'ledger.root_hex': '根哈希（十六进制）',
  'ledger.sigs': '签名',
  'ledger.key_id': '密钥编号',
  'ledger.raw': '查看原始检查点文本',
  'ledger.key_title': '日志公钥',
  'ledger.hash': '哈希算法',
  'ledger.keys': '验证公钥',
  'ledger.sm3': '本日志使用 SM3 哈希算法。浏览器的 WebCrypto 不支持 SM3，因此本页无法在浏览器中验证存证，已跳过验证；可通过证明接口取得包含证明后离线核验。',
  'ledger.sm3_skip': 'SM3 日志：浏览器无法验证，已跳过',
  'ledger.entries_title': '公开存证记录',
  'ledger.entries_none': '暂无存证记录',
  'ledger.tz': '最新的记录在前；时间为北京时间。',
  'ledger.older': '加载更早的记录',
  'ledger.withheld': '内容不公开（哈希仍可证明）',
  'ledger.subject': '对象',
  'ledger.subj.org': '机构',
  'ledger.ev.org.create': '创建机构',
  'ledger.actor': '操作人',
  'ledger.time': '时间（北京时间）',
  'ledger.doc_hash': '文件哈希',
  'ledger.leaf_hash': '叶哈希',
  'ledger.entry_raw': '查看规范 JSON 原文',
  'ledger.verify': '验证存证',
  'ledger.verifying': '正在验证…',
  'ledger.ok': '验证通过',
  'ledger.bad': '验证失败',
  'ledger.ok_detail': '已在浏览器中计算：第 {index} 条记录的叶哈希，经 {n} 个证明节点，得到的根哈希与大小为 {size} 的检查点的根哈希一致。',
  'ledger.bad_shape': '第 {index} 条记录的包含证明与树大小 {size} 不符。',
  'ledger.bad_root': '由第 {index} 条记录和证明算出的根哈希（{got}…）与大小为 {size} 的检查点的根哈希不一致。',
  'ledger.leaf_mismatch': '记录内容的哈希与服务器给出的叶哈希不一致。',
  'ledger.no_webcrypto': '此浏览器不提供 WebCrypto（需要 HTTPS），无法在浏览器中验证。',
  'ledger.verify_failed': '无法取得包含证明：',
  'ledger.load_failed': '无法加载见证日志：',
  'action.auth.login': '登录',
  'action.auth.logout': '退出登录',
  'action.auth.login_failed': '登录失败',
  'action.auth.token': '签发访问令牌',
  'action.org.create': '登记机构',
  'action.user.create': '新建用户',
  'action.user.passwd': '修改密码',

  'form.cancel': '取消',
  'form.saving': '正在提交…',
  'form.fix': '请更正标出的内容后重新提交。',

  'page.forbidden': '无权访问',
  'page.forbidden_text': '您当前的角色不能使用此功能。',
  'page.not_found': '页面不存在',
  'page.not_found_text': '您访问的页面不存在或已移动。',
  'page.back_home': '返回首页',

  'err.network': '无法连接服务器，请检查网络后重试。',
  'err.unknown': '操作失败（{code}）。',
  'err.bad_request': '请求格式有误。',
  'err.malformed_json': '请求内容不是有效的 JSON。',
  'err.duplicate_key': '请求内容含有重复字段。',
  'err.invalid_utf8': '请求内容含有无效字符。',
  'err.json_too_deep': '请求内容嵌套层级过深。',
  'err.invalid_field': '填写的内容无效。',
  'err.missing_field': '此项为必填项。',
  'err.invalid_uscc': '统一社会信用代码无效，请核对（18 位，含校验位）。',
  'err.weak_password': '密码强度不足：至少 8 位，并包含字母、数字、符号中的至少两类。',
  'err.invalid_field.username': '用户名格式不符：3–32 位，以小写字母开头，可含小写字母、数字及 _ . -。',
  'err.invalid_field.contact_email': '邮箱地址格式不正确。',
  'err.invalid_field.org_id': '所选机构不存在，请刷新后重试。',
  'err.already_exists.username': '该用户名已被使用。',
  'err.already_exists.uscc': '该统一社会信用代码已登记。',
  'err.unsupported_media_type': '请求格式不受支持。',
  'err.body_too_large': '提交的内容过大。',
  'err.headers_too_large': '请求头过大。',
  'err.request_timeout': '请求超时，请重试。',
  'err.not_found': '请求的资源不存在。',
  'err.method_not_allowed': '不支持此操作。',
  'err.bad_cursor': '分页参数无效，请刷新页面。',
  'err.unauthenticated': '请先登录。',
  'err.bad_credentials': '用户名或密码错误。',
  'err.session_expired': '登录已过期，请重新登录。',
  'err.too_many_attempts': '尝试次数过多，请稍后再试。',
  'err.forbidden': '您的角色无权执行此操作。',
  'err.not_owner': '该资源属于其他用户或机构。',
  'err.csrf_failed': '页面已过期，请刷新后重试。',
  'err.account_disabled': '该账号已停用，请联系平台管理员。',
  'err.conflict': '数据已被修改或已存在，请刷新后重试。',
  'err.already_exists': '已存在相同标识的记录。',
  'err.idempotency_mismatch': '重复提交的请求内容不一致。',
  'err.wrong_state': '当前状态不允许此操作。',
  'err.internal': '服务器内部错误，请稍后再试。',
  'err.store_unavailable': '数据服务暂不可用，请稍后再试。',
  'err.store_busy': '数据服务繁忙，请稍后再试。',
  'err.idempotency_in_progress': '相同的请求正在处理中，请稍后查看结果。',
  'err.bad_idempotency_key': '请求标识（Idempotency-Key）格式不正确。',
  'err.shutting_down': '服务器正在停止，请稍后再试。',
  'err.overloaded': '服务器繁忙，请稍后再试。',
};

const en = {
  'app.name': 'Public Resource Trading Platform',
  'app.short': 'sunbid',
  'app.tagline': 'Open · Fair · Impartial · Honest',
  'app.title': 'Public Resource Trading Platform · sunbid',
  'app.skip': 'Skip to main content',
  'app.footer': 'sunbid public resource trading platform · e-tendering, remote bid opening, online auctions, expert evaluation and supervision',
  'app.version': 'Version {version}',
  'app.loading': 'Loading…',
  'app.load_more': 'Load more',
  'app.retry': 'Retry',
  'app.none': '—',
  'app.required': 'required',

  'lang.switch': '中文',
  'lang.switch_label': '切换为中文界面 (Switch to Chinese)',

  'nav.label': 'Main navigation',
  'nav.menu': 'Menu',
  'nav.menu_open': 'Open the navigation menu',
  'nav.menu_close': 'Close the navigation menu',
  'nav.home': 'Notices',
  'nav.workspace': 'Workspace',
  'nav.users': 'Users',
  'nav.orgs_admin': 'Organisations',
  'nav.orgs': 'Organisations',
  'nav.audit': 'Audit log',
  'nav.ledger': 'Witness log',
  'nav.login': 'Sign in',
  'nav.logout': 'Sign out',
  'nav.user_label': 'Signed in as',

  'role.admin': 'Administrator',
  'role.agent': 'Tenderer / agent',
  'role.bidder': 'Bidder',
  'role.expert': 'Evaluation expert',
  'role.supervisor': 'Supervisor',
  'role.desc.admin': 'Manages users, organisations, the expert pool, trusted CAs and configuration; cannot read sealed bids or alter history.',
  'role.desc.agent': 'Creates tenders, publishes notices, answers questions, hosts the bid opening, runs the evaluation and publishes results.',
  'role.desc.bidder': 'Registers an organisation and its keys, downloads tender documents, seals and submits bids, decrypts at the opening, bids in auctions, raises objections.',
  'role.desc.expert': 'Is drawn and confirms, scores independently, asks for clarifications, signs the evaluation report.',
  'role.desc.supervisor': 'Reads the whole process (never decrypts early), receives alerts, handles complaints, transfers leads.',

  'cat.all': 'All',
  'cat.works': 'Construction works',
  'cat.goods': 'Government procurement (goods)',
  'cat.services': 'Government procurement (services)',
  'cat.land': 'Land use rights',
  'cat.mining': 'Mining rights',
  'cat.assets': 'State-owned assets',
  'cat.emission': 'Emission rights',

  'kind.tender': 'Tender notice',
  'kind.change': 'Change notice',
  'kind.result': 'Award result',
  'kind.auction': 'Auction notice',

  'home.title': 'Notices',
  'home.intro': 'Tender notices, change notices and award results of public resource trading — construction works, government procurement, land and mining rights, state-owned assets, emission rights — published for everyone.',
  'home.filter': 'Filter by category',
  'home.empty': 'No notices yet',
  'home.empty_hint': 'Tender notices and award results will appear here once they are published.',
  'home.empty_cat': 'No notices in “{category}” yet.',
  'home.load_failed': 'The notices could not be loaded.',
  'home.published': 'Published',
  'home.region': 'Region',
  'home.side_title': 'For market participants',
  'home.side_anon': 'Tenderers, agents, bidders, experts and supervisors: sign in to work on the platform.',
  'home.side_user': 'You are signed in; continue in your workspace.',
  'home.side_login': 'Sign in',
  'home.side_workspace': 'Go to workspace',

  'login.title': 'Sign in',
  'login.intro': 'Use the account the platform issued to you.',
  'login.username': 'User name',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.expired': 'Your session has ended; please sign in again.',
  'login.retry_after': 'Too many attempts; try again in {seconds} seconds.',
  'login.need': 'Enter your user name and password.',

  'ws.title': 'Workspace',
  'ws.welcome': 'Welcome, {name}',
  'ws.account': 'Account',
  'ws.username': 'User name',
  'ws.display_name': 'Display name',
  'ws.roles': 'Roles',
  'ws.org': 'Organisation',
  'ws.no_org': 'No organisation',
  'ws.org_name': 'Name',
  'ws.uscc': 'Unified social credit code',
  'ws.my_roles': 'What your roles do',
  'ws.shortcuts': 'Shortcuts',

  'users.title': 'Users',
  'users.intro': 'Platform accounts, their roles and organisations.',
  'users.new': 'New user',
  'users.create': 'Create user',
  'users.created': 'User “{name}” created.',
  'users.username': 'User name',
  'users.username_hint': '3–32 characters: starts with a lower-case letter, then lower-case letters, digits, _ . -; cannot be changed later.',
  'users.display_name': 'Display name',
  'users.password': 'Initial password',
  'users.password_hint': 'At least 8 characters mixing two kinds (letters, digits, symbols). Hand it over by a safe channel and ask the user to change it.',
  'users.roles': 'Roles',
  'users.org': 'Organisation',
  'users.org_none': 'No organisation',
  'users.status': 'Status',
  'users.active': 'Active',
  'users.disabled': 'Disabled',
  'users.created_at': 'Created',
  'users.empty': 'No users yet',
  'users.need_roles': 'Choose at least one role.',

  'orgs.title_admin': 'Organisations',
  'orgs.title': 'Organisations',
  'orgs.intro': 'Market participants registered on the platform: tenderers, agencies, bidders and others.',
  'orgs.readonly': 'read-only',
  'orgs.new': 'Register organisation',
  'orgs.create': 'Register',
  'orgs.created': 'Organisation “{name}” registered.',
  'orgs.name': 'Name',
  'orgs.uscc': 'Unified social credit code',
  'orgs.uscc_hint': '18 characters, checked per GB 32100.',
  'orgs.legal_rep': 'Legal representative',
  'orgs.contact_name': 'Contact person',
  'orgs.contact_phone': 'Contact phone',
  'orgs.contact_email': 'Contact e-mail',
  'orgs.address': 'Address',
  'orgs.contact': 'Contact',
  'orgs.created_at': 'Registered',
  'orgs.empty': 'No organisations yet',

  'audit.title': 'Audit log',
  'audit.intro': 'Every write on the platform: who, when, from where, what. The log is append-only; nobody can edit or delete it.',
  'audit.at': 'Time',
  'audit.actor': 'Actor',
  'audit.action': 'Action',
  'audit.object': 'Object',
  'audit.remote_addr': 'Address',
  'audit.request_id': 'Request ID',
  'audit.detail': 'Detail',
  'audit.empty': 'No audit records yet',

  'ledger.title': 'Witness log',
  'ledger.intro': 'Every significant action on the platform is written to one append-only Merkle log (a transparency log, RFC 9162). Anyone can read its signed checkpoints, browse the public entries and check that an entry really is in the log.',
  'ledger.honest': 'Note: "Verify inclusion" runs in your browser — it fetches an inclusion proof from the server, hashes it itself with WebCrypto SHA-256 and compares the result with the checkpoint\'s root hash. The checkpoint is signed with the server\'s log key; this page does not check that signature in the browser. To check the signature independently, use the public keys below with any tool that verifies C2SP signed notes.',
  'ledger.cp_title': 'Latest checkpoint',
  'ledger.cp_none': 'The log has not signed a checkpoint yet.',
  'ledger.origin': 'Log origin',
  'ledger.size': 'Entries (tree size)',
  'ledger.root': 'Root hash (Base64)',
  'ledger.root_hex': 'Root hash (hex)',
  'ledger.sigs': 'Signatures',
  'ledger.key_id': 'key ID',
  'ledger.raw': 'Show the raw checkpoint text',
  'ledger.key_title': 'Log public keys',
  'ledger.hash': 'Hash algorithm',
  'ledger.keys': 'Verifier keys',
  'ledger.sm3': 'This log uses the SM3 hash. WebCrypto in browsers has no SM3, so this page cannot verify entries in the browser and skips it; fetch the inclusion proof from the API and verify it offline.',
  'ledger.sm3_skip': 'SM3 log: the browser cannot verify this; skipped',
  'ledger.entries_title': 'Public entries',
  'ledger.entries_none': 'No entries yet',
  'ledger.tz': 'Newest first; times are Beijing time.',
  'ledger.older': 'Load older entries',
  'ledger.withheld': 'Content not public (the hash is still provable)',
  'ledger.subject': 'Subject',
  'ledger.subj.org': 'Organisation',
  'ledger.ev.org.create': 'Organisation created',
  'ledger.actor': 'Actor',
  'ledger.time': 'Time (Beijing)',
  'ledger.doc_hash': 'Document hash',
  'ledger.leaf_hash': 'Leaf hash',
  'ledger.entry_raw': 'Show the canonical JSON',
  'ledger.verify': 'Verify inclusion',
  'ledger.verifying': 'Verifying…',
  'ledger.ok': 'Verified',
  'ledger.bad': 'Verification failed',
  'ledger.ok_detail': 'Computed in your browser: the leaf hash of entry {index}, combined with {n} proof hashes, gives the root hash of the checkpoint of size {size}.',
  'ledger.bad_shape': 'The inclusion proof for entry {index} does not fit tree size {size}.',
  'ledger.bad_root': 'The root computed from entry {index} and its proof ({got}…) differs from the root of the checkpoint of size {size}.',
  'ledger.leaf_mismatch': 'The hash of the entry bytes differs from the leaf hash the server gave.',
  'ledger.no_webcrypto': 'This browser offers no WebCrypto (it needs HTTPS), so it cannot verify here.',
  'ledger.verify_failed': 'Could not fetch the inclusion proof:',
  'ledger.load_failed': 'Could not load the witness log:',
  'action.auth.login': 'Sign in',
  'action.auth.logout': 'Sign out',
  'action.auth.login_failed': 'Failed sign-in',
  'action.auth.token': 'Issue API token',
  'action.org.create': 'Register organisation',
  'action.user.create': 'Create user',
  'action.user.passwd': 'Change password',

  'form.cancel': 'Cancel',
  'form.saving': 'Submitting…',
  'form.fix': 'Please correct the marked fields and submit again.',

  'page.forbidden': 'Access denied',
  'page.forbidden_text': 'Your role may not use this page.',
  'page.not_found': 'Page not found',
  'page.not_found_text': 'The page does not exist or has moved.',
  'page.back_home': 'Back to the home page',

  'err.network': 'Cannot reach the server; check the network and try again.',
  'err.unknown': 'The operation failed ({code}).',
  'err.bad_request': 'The request is malformed.',
  'err.malformed_json': 'The request body is not valid JSON.',
  'err.duplicate_key': 'The request repeats a field.',
  'err.invalid_utf8': 'The request contains invalid characters.',
  'err.json_too_deep': 'The request is nested too deeply.',
  'err.invalid_field': 'This value is invalid.',
  'err.missing_field': 'This field is required.',
  'err.invalid_uscc': 'The unified social credit code is invalid; check it (18 characters with a check digit).',
  'err.weak_password': 'The password is too weak: at least 8 characters mixing two kinds (letters, digits, symbols).',
  'err.invalid_field.username': 'User names have 3–32 characters: a lower-case letter first, then lower-case letters, digits, _ . -.',
  'err.invalid_field.contact_email': 'This is not a valid e-mail address.',
  'err.invalid_field.org_id': 'The chosen organisation does not exist; reload and try again.',
  'err.already_exists.username': 'This user name is taken.',
  'err.already_exists.uscc': 'An organisation with this code is already registered.',
  'err.unsupported_media_type': 'The request format is not supported.',
  'err.body_too_large': 'The submission is too large.',
  'err.headers_too_large': 'The request headers are too large.',
  'err.request_timeout': 'The request timed out; try again.',
  'err.not_found': 'No such resource.',
  'err.method_not_allowed': 'This operation is not supported.',
  'err.bad_cursor': 'The page position is invalid; reload the page.',
  'err.unauthenticated': 'Sign in first.',
  'err.bad_credentials': 'The user name or password is wrong.',
  'err.session_expired': 'Your session has expired; sign in again.',
  'err.too_many_attempts': 'Too many failed attempts; wait and try again.',
  'err.forbidden': 'Your role may not do this.',
  'err.not_owner': 'This resource belongs to someone else.',
  'err.csrf_failed': 'The page is out of date; reload it and try again.',
  'err.account_disabled': 'This account is disabled; contact the platform administrator.',
  'err.conflict': 'The record changed or already exists; reload and try again.',
  'err.already_exists': 'A record with this identity already exists.',
  'err.idempotency_mismatch': 'A repeated request did not match the original.',
  'err.wrong_state': 'This is not allowed in the current state.',
  'err.internal': 'Internal server error; try again later.',
  'err.store_unavailable': 'The data service is unavailable; try again later.',
  'err.store_busy': 'The data service is busy; try again in a moment.',
  'err.idempotency_in_progress': 'The same request is still being processed; check again shortly.',
  'err.bad_idempotency_key': 'The Idempotency-Key is malformed.',
  'err.shutting_down': 'The server is shutting down; try again shortly.',
  'err.overloaded': 'The server is busy; try again shortly.',
};

const TABLES = { 'zh-CN': zh, en };

function initialLang() {
  let saved = null;
  try {
    saved = window.localStorage.getItem(STORAGE_KEY);
  } catch {
    /* storage may be disabled; fall back to the default */
  }
  return LANGS.includes(saved) ? saved : 'zh-CN';
}

let lang = initialLang();
const listeners = new Set();

export function getLang() {
  return lang;
}

// Switches the language, remembers it, updates <html lang> and the title,
// and tells every listener (the app re-renders).
export function setLang(next) {
  if (!LANGS.includes(next)) return;
  lang = next;
  try {
    window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    /* not remembered; still switch for this page */
  }
  applyDocumentLang();
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function applyDocumentLang() {
  document.documentElement.lang = lang;
  document.title = t('app.title');
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(TABLES[lang], key);
}

// t('home.empty_cat', {category: '...'}) → the string in the current language.
// A missing key returns the key itself, so a gap is visible, not blank.
export function t(key, vars) {
  let s = TABLES[lang][key];
  if (s === undefined) s = zh[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return s;
}

// The message for an API error: localised by code (and by code and field
// where a field-specific text says more), else the server's own text.
export function errorText(err) {
  if (!err) return '';
  if (err.code && err.field && has('err.' + err.code + '.' + err.field)) return t('err.' + err.code + '.' + err.field);
  if (err.code && has('err.' + err.code)) return t('err.' + err.code);
  if (err.message) return err.message;
  return t('err.unknown', { code: err.code || err.status || '?' });
}

// Times are shown as "2026-03-01 09:30" in Beijing time (Asia/Shanghai)
// whatever the viewer's zone or language: deadlines and notices are defined
// in it, and the numeric form reads the same in Chinese and English.
const beijing = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

export function formatTime(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return t('app.none');
  const p = {};
  for (const part of beijing.formatToParts(new Date(ms))) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// For the tests: both tables must have the same keys.
export function missingKeys() {
  const a = Object.keys(zh).filter((k) => !(k in en));
  const b = Object.keys(en).filter((k) => !(k in zh));
  return { en: a, 'zh-CN': b };
}
