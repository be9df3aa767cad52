// The operations dashboard (analytics' own page, /dashboard on this same origin) keeps its access
// token in its page's memory only, as the site does; a reload of either forgets it. A staff member
// who opens it from the workbench need not paste a token: the site opens it as a window of its own
// and, when that window asks (postMessage, this origin only), hands it the token the site holds.
// Nothing is stored; a window the site did not open, or another origin, is never answered.
import { accessToken } from '@/api/token'

export const TOKEN_REQUEST = 'kepuri:dashboard-token-request'
export const TOKEN_ANSWER = 'kepuri:dashboard-token'

const opened = new Set<Window>()
let listening = false

/** Open ``href`` (the dashboard) in a new window that may ask this page for its token. */
export function openDashboard(href: string): Window | null {
  const target = window.open(href, '_blank')
  if (!target) return null
  opened.add(target)
  if (!listening) {
    window.addEventListener('message', answerTokenRequest)
    listening = true
  }
  return target
}

/** Answer a dashboard window this page opened that asks for the token. */
export function answerTokenRequest(event: MessageEvent): void {
  if (event.origin !== window.location.origin) return
  const source = event.source as Window | null
  if (!source || !opened.has(source)) return
  const data = event.data as { type?: unknown } | null
  if (data?.type !== TOKEN_REQUEST || !accessToken.value) return
  source.postMessage({ type: TOKEN_ANSWER, token: accessToken.value }, window.location.origin)
}

/** Forget the windows opened (tests). */
export function forgetDashboards(): void {
  opened.clear()
}
