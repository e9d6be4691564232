/*
 * cat_zh_Hans.c - the Simplified Chinese UI messages, in the terms of
 * /work/shared/reference/zh-glossary.md: full-width punctuation, a space
 * between Chinese and Latin letters or digits, no plural forms (Chinese
 * has only "other", so {0} needs no plural block).
 */
#include "i18n/i18n_priv.h"

const struct tr_entry tr_cat_zh_Hans[] = {
	{ "lang.name", "简体中文" },

	{ "tab.mail", "邮件" },
	{ "tab.chat", "聊天" },
	{ "tab.docs", "文档" },
	{ "tab.sheets", "表格" },

	{ "state.online", "在线" },
	{ "state.connecting", "正在连接" },
	{ "state.offline", "离线" },
	{ "state.error", "错误" },
	{ "state.unreachable", "无法连接服务器" },

	{ "mail.unread", "{0} 封未读邮件" },
	{ "outbox.queued", "已排队 {0} 项" },
	{ "doc.saved", "已保存“{0}”" },

	{ "account.account", "账户" },
	{ "account.server", "服务器" },
	{ "account.state", "状态" },
	{ "account.forced", "（已手动离线）" },
	{ "account.not_configured", "尚未设置{0}账户：请在配置文件中添加 [{1}] 一节（见 docs/config.md）。" },
	{ "config.ok", "配置有效。" },
	{ "help.title", "帮助 — {0}" },
	{ "help.keys", "按键" },
	{ "help.commands", "命令" },
	{ "help.close", "按 Esc 或 q 关闭帮助 · ↑↓ 滚动" },
	{ "msg.no_modules", "此 atrium 构建时未包含任何模块。" },
	{ "msg.offline_on", "已切换到离线模式：更改将排队，恢复在线后发送。" },
	{ "msg.online", "已恢复在线。" },
	{ "msg.offline_policy", "管理员策略要求保持离线。" },
	{ "msg.too_small", "终端窗口太小（{0}×{1}）；atrium 至少需要 {2}×{3}。" },
	{ "msg.welcome", "欢迎使用 atrium。按 F1 或 Ctrl-G 查看帮助，按 Ctrl-E 打开命令行。" },
	{ "pager.hint", "按 q 关闭 · ↑↓ PgUp PgDn 滚动" },
	{ "status.forced_offline", "［离线］" },
	{ "status.outbox", "{0} 项已排队" },
	{ "status.unread", "{0} 条未读" },
	{ "status.progress", "{0}%" },
	{ "state.not_configured", "未配置" },
	{ "cmd.config", "显示配置及每个值的来源" },
	{ "cmd.help", "显示帮助（可指定模块）" },
	{ "cmd.module", "切换到模块" },
	{ "cmd.offline", "切换离线 / 恢复在线" },
	{ "cmd.quit", "退出 atrium" },
	{ "cmd.verb", "运行模块命令（与批处理模式相同）" },
	{ "cmd.version", "显示版本" },
	{ "key.command", "打开命令行（任何时候）" },
	{ "key.command_colon", "打开命令行（非文字输入时）" },
	{ "key.help", "显示或隐藏帮助" },
	{ "key.next_tab", "下一个标签页" },
	{ "key.prev_tab", "上一个标签页" },
	{ "key.quit", "退出" },
	{ "key.redraw", "重绘屏幕" },
	{ "key.tab1", "第 1 个标签页" },
	{ "key.tab2", "第 2 个标签页" },
	{ "key.tab3", "第 3 个标签页" },
	{ "key.tab4", "第 4 个标签页" },
	{ "verb.status", "显示账户及其连接状态" },
	{ "usage.text",
	  "用法：atrium [选项] [模块 命令 [参数]]\n"
	  "      atrium [选项] -b 文件 [-k]\n"
	  "\n"
	  "不带命令时，atrium 打开界面；带命令时执行后退出（批处理模式）；\n"
	  "退出码见 docs/batch.md。\n"
	  "\n"
	  "选项（可放在 atrium 之后任意位置）：\n"
	  "  --config 文件    配置文件（默认 ~/.config/atrium/config）\n"
	  "  --home 目录      状态目录：缓存、日志、凭据库\n"
	  "  --lang 语言      界面语言：en 或 zh_Hans\n"
	  "  --key-file 文件  加密存储的密钥文件\n"
	  "  --offline        不连接任何服务器\n"
	  "  --json           输出机器可读的 JSON\n"
	  "  -b 文件          逐行执行文件中的命令\n"
	  "  -k               与 -b 合用：命令失败后继续执行\n"
	  "  --version        显示版本\n"
	  "  --help           显示本帮助\n"
	  "\n"
	  "命令：help [模块]、version、config [show|check]、模块 命令 …" },
	{ "status.service", "{0}：{1}" },

	{ "err.cfg.bool", "{0}：“{1}”不是 yes 或 no" },
	{ "err.cfg.lang", "{0}：未知语言“{1}”（请使用 en 或 zh_Hans）" },
	{ "err.cfg.level", "{0}：未知日志级别“{1}”（可用 debug、info、warn、error）" },
	{ "err.cfg.path", "{0}：无法读取“{1}”：{2}" },
	{ "err.cfg.policy_password", "{0}：策略文件中不能设置密码" },
	{ "err.cfg.password_perm", "{0}：只有组用户和其他用户都无法读取的文件中才能写密码（chmod 600 {1}），或改用 password_command" },
	{ "err.cfg.imap", "{0}：“{1}”必须是 imaps://主机[:端口] 或 imap://主机[:端口]（强制 STARTTLS）" },
	{ "err.cfg.smtp", "{0}：“{1}”必须是 smtps://主机[:端口] 或 smtp://主机[:端口]（强制 STARTTLS）" },
	{ "err.cfg.https", "{0}：“{1}”必须是 https:// 地址（不允许明文 http）" },
	{ "err.cfg.proxy", "{0}：“{1}”必须是 http://、https:// 或 socks5:// [用户:密码@]主机:端口" },
	{ "err.cfg.proxy_port", "{0}：“{1}”缺少 主机:端口" },
	{ "err.cfg.pin", "{0}：“{1}”必须是 sha256//BASE64（服务器公钥 SHA-256 的 base64 编码，44 个字符）" },
	{ "err.cfg.hostport", "{0}：“{1}”必须是 主机:端口" },
	{ "err.cfg.address", "{0}：“{1}”应为 用户@域名 的形式" },
	{ "err.cfg.module", "{0}：未知模块“{1}”（可用 mail、chat、docs、sheets）" },
	{ "err.cfg.section", "{0}：未知的节 [{1}]（键“{2}”）" },
	{ "err.cfg.key_in", "{0}：[{2}] 中没有键“{1}”" },
	{ "err.cfg.key", "{0}：未知的键“{1}”" },
	{ "err.cfg.missing", "配置文件 {0} 不存在" },
	{ "err.cfg.ignored_policy", "{0}：{1} = {2} 已被忽略：由策略 {3} 固定" },
	{ "err.cfg.ignored_tighten", "{0}：{1} = {2} 已被忽略：{3} 将其设为 {4}" },
	{ "err.ini.nul", "{0}：文件中有 NUL 字节" },
	{ "err.ini.section", "{0}：节标题格式错误“{1}”" },
	{ "err.ini.section_name", "{0}：节名称无效“{1}”" },
	{ "err.ini.no_equals", "{0}：应为“键 = 值”，实际为“{1}”" },
	{ "err.ini.no_key", "{0}：有值但没有键" },
	{ "err.ini.key_name", "{0}：键名称无效“{1}”" },
	{ "err.ini.too_big", "{0}：超过 1 MiB，不是配置文件" },
	{ "err.ini.read", "{0}：{1}" },
	{ "err.opt.lang", "--lang：未知语言“{0}”（请使用 en 或 zh_Hans）" },
	{ "err.opt.value", "选项 {0} 需要一个值" },
	{ "err.opt.empty", "选项 {0} 的值不能为空" },
	{ "err.opt.try", "{0}（参见 atrium --help）" },
	{ "err.usage", "用法：{0}" },
	{ "err.no_command", "未指定命令（参见 atrium help）" },
	{ "err.unknown_command", "未知命令“{0}”（参见 atrium help）" },
	{ "err.no_module", "没有模块“{0}”（参见 atrium help）" },
	{ "err.not_built", "此 atrium 未包含 {0} 模块" },
	{ "err.disabled", "{0} 模块已被 {1} 禁用" },
	{ "err.module_usage", "用法：atrium {0} 命令 [参数]（参见 atrium help {0}）" },
	{ "err.unknown_verb", "{1} 没有命令“{0}”（参见 atrium help {1}）" },
	{ "err.module_start", "{0}：模块无法启动" },
	{ "err.batch_line", "{0}:{1}：失败（退出码 {2}）" },
	{ "err.batch_no_command", "-b 文件 不能同时带命令（收到“{0}”）" },
	{ "err.quote", "引号未闭合" },
	{ "err.mkdir", "无法创建 {0}：{1}" },
	{ "err.not_dir", "{0} 不是目录" },
	{ "err.home_perm", "{0} 可被其他用户读取，且无法收紧权限：{1}" },
	{ "err.no_log", "{0}（将在没有日志的情况下继续）" },
	{ "err.keys.action", "{0}：[keys] {1}：没有这个动作" },
	{ "err.keys.name", "{0}：[keys] {1}：“{2}”不是按键名（例如 C-e、M-1、F2、Esc）" },
	{ "err.keys.too_many", "{0}：[keys] {1}：最多 {2} 个按键" },
	{ "err.no_terminal", "界面需要终端；脚本请使用批处理命令（参见 atrium help）" },
	{ "err.terminal", "无法初始化终端（TERM={0}）" },
	{ "msg.warning", "警告：{0}" },
	{ "config.policy", "（策略）" },
};

const size_t tr_cat_zh_Hans_count = sizeof(tr_cat_zh_Hans) / sizeof(tr_cat_zh_Hans[0]);
