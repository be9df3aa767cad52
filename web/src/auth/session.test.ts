import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claims, decodeClaims, endSession, isLoggedIn, logIn, logOut, startSession } from './session'
import { accessToken, tokenRefused } from '@/api/token'
import { ProblemError } from '@/api/problems'

function base64url(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** A token shaped like registration's (the signature is not checked by the site). */
function token(payload: Record<string, unknown>): string {
  return `${base64url('{"alg":"EdDSA","kid":"k1"}')}.${base64url(JSON.stringify(payload))}.c2lnbmF0dXJl`
}

const EXP = Math.floor(Date.now() / 1000) + 3600
const organizer = token({ sub: 'acc-1', role: 'organizer', unit: 'u-学校', exp: EXP, iat: 1, iss: 'kepuri', aud: 'kepuri' })

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  const type = status < 400 ? 'application/json' : 'application/problem+json'
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } })
}

describe('the session', () => {
  const fetch = vi.fn<typeof globalThis.fetch>()

  beforeEach(() => {
    vi.stubGlobal('fetch', fetch)
    fetch.mockReset()
  })
  afterEach(() => {
    endSession()
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('reads the claims of a token, Chinese included', () => {
    expect(decodeClaims(organizer)).toMatchObject({ sub: 'acc-1', role: 'organizer', unit: 'u-学校' })
    expect(decodeClaims('not a token')).toBeNull()
    expect(decodeClaims(token({ sub: 'x', role: 'superuser', exp: EXP }))).toBeNull()
  })

  it('logs in with POST /api/v1/auth/token and keeps the token in memory only', async () => {
    fetch.mockResolvedValueOnce(json(200, { access_token: organizer, token_type: 'Bearer', expires_in: 3600 }))
    const got = await logIn('13800000000', 'secret')
    expect(got.role).toBe('organizer')
    expect(isLoggedIn.value).toBe(true)
    expect(accessToken.value).toBe(organizer)
    const request = fetch.mock.calls[0]![0] as Request
    expect(request.method).toBe('POST')
    expect(new URL(request.url).pathname).toBe('/api/v1/auth/token')
    expect(await request.json()).toEqual({ login: '13800000000', password: 'secret' })
    expect(localStorage.length).toBe(0)
    expect(sessionStorage.length).toBe(0)
    expect(document.cookie).toBe('')
  })

  it('sends the token with later calls, and forgets it on logout', async () => {
    startSession(organizer)
    fetch.mockResolvedValueOnce(new Response(null, { status: 204 }))
    await logOut()
    const request = fetch.mock.calls[0]![0] as Request
    expect(new URL(request.url).pathname).toBe('/api/v1/auth/logout')
    expect(request.headers.get('Authorization')).toBe(`Bearer ${organizer}`)
    expect(claims.value).toBeNull()
    expect(accessToken.value).toBeNull()
  })

  it('refuses a wrong password as a problem, staying logged out', async () => {
    fetch.mockResolvedValueOnce(json(401, { type: 'about:blank', title: '账号或密码错误 (invalid credentials)', status: 401 }))
    const failure = await logIn('13800000000', 'wrong').catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(ProblemError)
    expect((failure as ProblemError).shown.status).toBe(401)
    expect(isLoggedIn.value).toBe(false)
  })

  it('ends when the token expires, or when a service refuses it', () => {
    vi.useFakeTimers()
    const now = Date.now()
    startSession(token({ sub: 'acc-2', role: 'reviewer', level: 'county', jur: '610502', exp: Math.floor(now / 1000) + 60 }), now)
    expect(claims.value?.jur).toBe('610502')
    vi.advanceTimersByTime(61_000)
    expect(isLoggedIn.value).toBe(false)

    startSession(organizer)
    tokenRefused()
    expect(isLoggedIn.value).toBe(false)
  })
})
