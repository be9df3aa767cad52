// Element Plus for the workbench and the account pages only: its styles and Chinese locale load
// with those lazy chunks, never with the public entry. Import components by name where they are
// used (`import { ElButton } from 'element-plus'`), and wrap a page tree in
// <ElConfigProvider :locale="zhCn"> (WorkbenchLayout does it for every workbench page).
import 'element-plus/dist/index.css'
import './theme.css'
import zhCn from 'element-plus/es/locale/lang/zh-cn.mjs'

export { zhCn }
