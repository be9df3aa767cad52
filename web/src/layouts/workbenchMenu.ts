// The workbench menu, by role (what each kind of account may open): one entry per page. A route's
// `meta.roles` in router.ts says the same for direct links; keep the two in step.
import type { Role } from '@/auth/session'

export interface MenuEntry {
  title: string
  /** A route path inside the site, or `href` for a page served outside it (the operations dashboard). */
  to?: string
  href?: string
  /** Other paths whose pages belong to this entry (the 附件3 / 附件2 forms under 推荐), so that the
   * menu highlights it there rather than the entry whose path is merely a prefix. */
  also?: string[]
}

export const MENUS: Record<Role, MenuEntry[]> = {
  organizer: [
    { title: '我的活动', to: '/workbench/activities' },
    { title: '登记活动', to: '/workbench/activities/new' },
    { title: '附件1导入导出', to: '/workbench/activities/import' },
    { title: '消息与致谢', to: '/workbench/inbox' },
    { title: '工作总结', to: '/workbench/summary' },
    { title: '科普路线', to: '/workbench/routes' },
  ],
  reviewer: [
    { title: '待审核活动', to: '/workbench/review' },
    { title: '推荐', to: '/workbench/review/recommendations', also: ['/workbench/review/recommend'] },
    { title: '导出', to: '/workbench/review/exports' },
    { title: '工作总结', to: '/workbench/summary' },
    { title: '总结报送情况', to: '/workbench/review/summaries' },
    { title: '附件1 汇总', to: '/workbench/review/key-activity-plans' },
    { title: '科普路线', to: '/workbench/routes' },
  ],
  admin: [
    { title: '活动年度', to: '/workbench/admin/campaigns' },
    { title: '账号管理', to: '/workbench/admin/accounts' },
    { title: '表彰', to: '/workbench/admin/commendations' },
    { title: '总结报送情况', to: '/workbench/review/summaries' },
    { title: '运营看板', href: '/dashboard' },
  ],
}

/** Every account changes its own password. */
export const PASSWORD_ENTRY: MenuEntry = { title: '修改密码', to: '/workbench/password' }

/** A level admin (an admin with a jurisdiction) only manages the reviewer accounts below it. */
export const LEVEL_ADMIN_MENU: MenuEntry[] = [{ title: '账号管理', to: '/workbench/admin/accounts' }]

/** The menu of who is logged in: their role's (a level admin's own), then 修改密码. */
export function menuOf(role: Role, jurisdiction?: string | null): MenuEntry[] {
  const entries = role === 'admin' && jurisdiction ? LEVEL_ADMIN_MENU : MENUS[role]
  return [...entries, PASSWORD_ENTRY]
}

/** The menu path to highlight on ``path``: the entry with the longest path (or ``also`` path) that
 * ``path`` is or lies under; '' when none. */
export function activeEntry(entries: MenuEntry[], path: string): string {
  let best = ''
  let length = -1
  for (const entry of entries) {
    if (!entry.to) continue
    for (const prefix of [entry.to, ...(entry.also ?? [])]) {
      if ((path === prefix || path.startsWith(`${prefix}/`)) && prefix.length > length) {
        best = entry.to
        length = prefix.length
      }
    }
  }
  return best
}
