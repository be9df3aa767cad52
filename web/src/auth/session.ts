// Who is logged in: the access token (memory only, token.ts) and the claims it carries. Registration
// signs EdDSA JWTs with sub, role (organizer | reviewer | admin), unit (an organizer's unit), level
// and jur (a reviewer's level and jurisdiction), exp. The claims only steer the site (menus, the home
// a role lands on); every service checks the token itself.
import { computed, shallowRef } from 'vue'
import { call, registration } from '@/api/client'
import { accessToken, onUnauthorized } from '@/api/token'

export type Role = 'organizer' | 'reviewer' | 'admin'

export interface Claims {
  sub: string
  role: Role
  unit?: string
  level?: 'county' | 'city' | 'province' | 'national'
  jur?: string
  exp: number
}

const ROLES: readonly Role[] = ['organizer', 'reviewer', 'admin']

/** The workbench page each role lands on after logging in. */
export const ROLE_HOME: Record<Role, string> = {
  organizer: '/workbench/activities',
  reviewer: '/workbench/review',
  admin: '/workbench/admin',
}

/** 组织单位 / 审核员 / 管理员 */
export const ROLE_NAMES: Record<Role, string> = { organizer: '活动举办单位', reviewer: '审核员', admin: '管理员' }

const current = shallowRef<Claims | null>(null)
let expiryTimer: ReturnType<typeof setTimeout> | undefined

/** The logged-in person's claims, or null. */
export const claims = computed(() => current.value)
export const isLoggedIn = computed(() => current.value !== null)
export const role = computed(() => current.value?.role ?? null)
/** A level admin: an admin with a jurisdiction (a province or a city), who only manages the reviewer
 * accounts below it; the national admin has none. */
export const isLevelAdmin = computed(() => current.value?.role === 'admin' && Boolean(current.value.jur))

/** The claims of a JWT (its payload, not verified: the services verify), or null if it is not one of ours. */
export function decodeClaims(token: string): Claims | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=')
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Claims>
    if (typeof value.sub !== 'string' || !ROLES.includes(value.role as Role) || typeof value.exp !== 'number') {
      return null
    }
    return value as Claims
  } catch {
    return null
  }
}

/** Start a session with ``token``; it ends by itself when the token expires. Returns its claims. */
export function startSession(token: string, now: number = Date.now()): Claims {
  const decoded = decodeClaims(token)
  if (decoded === null) throw new Error('not a Kepuri access token')
  accessToken.value = token
  current.value = decoded
  clearTimeout(expiryTimer)
  expiryTimer = setTimeout(endSession, Math.max(0, decoded.exp * 1000 - now))
  return decoded
}

/** Forget the token and the claims (memory only: nothing else to clear). */
export function endSession(): void {
  clearTimeout(expiryTimer)
  accessToken.value = null
  current.value = null
}

/** Log in with a login (an organizer's contact phone, a staff login) and password; throws ProblemError. */
export async function logIn(login: string, password: string): Promise<Claims> {
  const answer = await call(registration.POST('/api/v1/auth/token', { body: { login, password } }))
  return startSession(answer.access_token)
}

/** Refuse this account's tokens everywhere (POST /auth/logout), then forget the session. */
export async function logOut(): Promise<void> {
  try {
    if (accessToken.value) await call(registration.POST('/api/v1/auth/logout'))
  } catch {
    // the token is forgotten either way; a failed revocation only leaves it valid until it expires
  } finally {
    endSession()
  }
}

onUnauthorized(endSession)
