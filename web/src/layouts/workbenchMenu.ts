// The workbench menu, by role (what each kind of account may open): one entry per page. A route's
// `meta.roles` in router.ts says the same for direct links; keep the two in step.
import type { Role } from '@/auth/session'

export interface MenuEntry {
  title: string
  /** A route path inside the site, or `href` for a page served outside it (the operations dashboard). */
  to?: string
  href?: string
}

export const MENUS: Record<Role, MenuEntry[]> = {
  organizer: [
    { title: '我的活动', to: '/workbench/activities' },
    { title: '登记活动', to: '/workbench/activities/new' },
    { title: '附件1导入导出', to: '/workbench/activities/import' },
    { title: '消息与致谢', to: '/workbench/inbox' },
  ],
  reviewer: [
    { title: '待审核活动', to: '/workbench/review' },
    { title: '推荐', to: '/workbench/review/recommendations' },
    { title: '导出', to: '/workbench/review/exports' },
  ],
  admin: [
    { title: '活动年度', to: '/workbench/admin/campaigns' },
    { title: '账号管理', to: '/workbench/admin/accounts' },
    { title: '表彰', to: '/workbench/admin/commendations' },
    { title: '运营看板', href: '/dashboard' },
  ],
}
