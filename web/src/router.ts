// The site's routes. Public pages (mobile first, plain CSS, no Element Plus) live under
// PublicLayout; the workbench (Element Plus) is one lazily loaded chunk under /workbench, so the
// public entry never downloads it. Every page is its own file under pages/: to build a page,
// replace its file; to add one, add a route here (lazy: `component: () => import(...)`) and, for
// the workbench, a menu entry in layouts/workbenchMenu.ts.
//
// meta.title: the page's name (the tab title); meta.roles: who may open a workbench page.
import { createRouter, createWebHistory, type RouteLocationNormalized, type RouteRecordRaw } from 'vue-router'
import { claims, isLevelAdmin, ROLE_HOME, type Role } from '@/auth/session'
import HomePage from '@/pages/public/HomePage.vue'
import PublicLayout from '@/layouts/PublicLayout.vue'

declare module 'vue-router' {
  interface RouteMeta {
    title?: string
    /** Workbench pages: the roles that may open it (any logged-in person when absent). */
    roles?: Role[]
    /** Needs a logged-in person. */
    requiresLogin?: boolean
  }
}

const organizer: Role[] = ['organizer']
const reviewer: Role[] = ['reviewer']
const admin: Role[] = ['admin']

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    component: PublicLayout,
    children: [
      { path: '', name: 'home', component: HomePage, meta: { title: '首页' } },
      { path: 'search', name: 'search', component: () => import('@/pages/public/SearchPage.vue'), meta: { title: '查找活动' } },
      { path: 'map', name: 'map', component: () => import('@/pages/public/MapPage.vue'), meta: { title: '科普地图' } },
      { path: 'routes/:id', name: 'route', component: () => import('@/pages/public/RoutePage.vue'), props: true, meta: { title: '科普路线' } },
      {
        path: 'activities/:id',
        name: 'activity',
        component: () => import('@/pages/public/ActivityPage.vue'),
        props: true,
        meta: { title: '活动详情' },
      },
      { path: 'login', name: 'login', component: () => import('@/pages/account/LoginPage.vue'), meta: { title: '登录' } },
      { path: 'login/forgot', name: 'forgot-password', component: () => import('@/pages/account/ForgotPasswordPage.vue'), meta: { title: '忘记密码' } },
      { path: 'commended', name: 'commended', component: () => import('@/pages/public/CommendedPage.vue'), meta: { title: '表扬名单' } },
      { path: 'signup', name: 'signup', component: () => import('@/pages/account/SignupPage.vue'), meta: { title: '单位注册' } },
    ],
  },
  {
    path: '/workbench',
    component: () => import('@/layouts/WorkbenchLayout.vue'),
    meta: { requiresLogin: true },
    children: [
      { path: '', name: 'workbench', redirect: () => (claims.value ? ROLE_HOME[claims.value.role] : '/login') },
      // organizer
      page('activities', 'my-activities', () => import('@/pages/workbench/organizer/MyActivitiesPage.vue'), '我的活动', organizer),
      page('activities/new', 'activity-new', () => import('@/pages/workbench/organizer/ActivityFormPage.vue'), '登记活动', organizer),
      page('activities/import', 'activity-import', () => import('@/pages/workbench/organizer/ImportPage.vue'), '附件1导入导出', organizer),
      page('activities/:id', 'activity-detail', () => import('@/pages/workbench/organizer/ActivityDetailPage.vue'), '活动详情', organizer),
      page('activities/:id/edit', 'activity-edit', () => import('@/pages/workbench/organizer/ActivityFormPage.vue'), '修改活动', organizer),
      page('activities/:id/info', 'activity-info', () => import('@/pages/workbench/organizer/InfoCompletionPage.vue'), '信息完善', organizer),
      page('routes', 'science-routes', () => import('@/pages/workbench/RoutesPage.vue'), '科普路线', [...organizer, ...reviewer]),
      page('inbox', 'inbox', () => import('@/pages/workbench/organizer/InboxPage.vue'), '消息与致谢', organizer),
      // reviewer
      page('review', 'review-queue', () => import('@/pages/workbench/reviewer/ReviewQueuePage.vue'), '待审核活动', reviewer),
      page('review/recommendations', 'recommendations', () => import('@/pages/workbench/reviewer/RecommendationsPage.vue'), '推荐', reviewer),
      page('review/recommend/activity', 'recommend-activity', () => import('@/pages/workbench/reviewer/RecommendFormPage.vue'), '推荐优秀活动（附件3）', reviewer),
      page('review/recommend/unit', 'recommend-unit', () => import('@/pages/workbench/reviewer/RecommendFormPage.vue'), '推荐先进单位（附件2）', reviewer),
      page('review/exports', 'review-exports', () => import('@/pages/workbench/reviewer/ReviewExportsPage.vue'), '导出', reviewer),
      // summary reports (工作总结): the reporter's own, and what the level above receives
      page('summary', 'summary-report', () => import('@/pages/workbench/summaries/SummaryReportPage.vue'), '工作总结', ['reviewer', 'organizer']),
      page('review/summaries', 'summary-overview', () => import('@/pages/workbench/summaries/SummaryOverviewPage.vue'), '总结报送情况', ['reviewer', 'admin']),
      page('review/key-activity-plans', 'key-activity-plans', () => import('@/pages/workbench/reviewer/KeyPlansPage.vue'), '附件1 汇总', reviewer),
      // admin
      { path: 'admin', redirect: () => ({ name: isLevelAdmin.value ? 'admin-accounts' : 'admin-campaigns' }) },
      page('admin/campaigns', 'admin-campaigns', () => import('@/pages/workbench/admin/CampaignsPage.vue'), '活动年度', admin),
      page('admin/campaigns/new', 'admin-campaign-new', () => import('@/pages/workbench/admin/CampaignEditorPage.vue'), '新建活动年度', admin),
      page('admin/campaigns/:id/edit', 'admin-campaign-edit', () => import('@/pages/workbench/admin/CampaignEditorPage.vue'), '编辑活动年度', admin),
      page('admin/accounts', 'admin-accounts', () => import('@/pages/workbench/admin/AccountsPage.vue'), '账号管理', admin),
      page('admin/commendations', 'admin-commendations', () => import('@/pages/workbench/admin/CommendationsPage.vue'), '表彰', admin),
      { path: 'password', name: 'password', component: () => import('@/pages/workbench/PasswordPage.vue'), meta: { title: '修改密码' } },
      { path: ':pathMatch(.*)*', name: 'workbench-not-found', component: () => import('@/pages/NotFoundPage.vue'), meta: { title: '页面不存在' } },
    ],
  },
  {
    path: '/',
    component: PublicLayout,
    children: [
      { path: ':pathMatch(.*)*', name: 'not-found', component: () => import('@/pages/NotFoundPage.vue'), meta: { title: '页面不存在' } },
    ],
  },
]

function page(path: string, name: string, component: RouteRecordRaw['component'] & {}, title: string, roles: Role[]): RouteRecordRaw {
  return { path, name, component, props: true, meta: { title, roles } }
}

/** Where a navigation must go instead, or true: login first, then the role's own pages only. */
export function guard(to: RouteLocationNormalized): true | string | { name: string; query: Record<string, string> } {
  const needsLogin = to.matched.some((record) => record.meta.requiresLogin)
  if (needsLogin && !claims.value) return { name: 'login', query: { redirect: to.fullPath } }
  const roles = to.meta.roles
  if (roles && claims.value && !roles.includes(claims.value.role)) return ROLE_HOME[claims.value.role]
  return true
}

export function createSiteRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })
  router.beforeEach(guard)
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · 全国科普日活动平台` : '全国科普日活动平台'
  })
  return router
}
