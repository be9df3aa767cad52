import { afterEach, describe, expect, it, vi } from 'vitest'
import { answerTokenRequest, forgetDashboards, openDashboard, TOKEN_ANSWER, TOKEN_REQUEST } from './dashboardHandOff'
import { accessToken } from '@/api/token'

function fakeWindow() {
  return { postMessage: vi.fn() } as unknown as Window & { postMessage: ReturnType<typeof vi.fn> }
}

function request(source: unknown, origin = window.location.origin, type: string = TOKEN_REQUEST): MessageEvent {
  return { origin, source, data: { type } } as unknown as MessageEvent
}

afterEach(() => {
  forgetDashboards()
  accessToken.value = null
  vi.restoreAllMocks()
})

describe('the dashboard token hand-off', () => {
  it('hands the token to the window it opened, on this origin only', () => {
    const dashboard = fakeWindow()
    const open = vi.spyOn(window, 'open').mockReturnValue(dashboard)
    accessToken.value = 'header.payload.signature'
    expect(openDashboard('/dashboard')).toBe(dashboard)
    expect(open).toHaveBeenCalledWith('/dashboard', '_blank')
    answerTokenRequest(request(dashboard))
    expect(dashboard.postMessage).toHaveBeenCalledWith({ type: TOKEN_ANSWER, token: 'header.payload.signature' }, window.location.origin)
  })

  it('answers no other window, origin or message, and nothing without a session', () => {
    const dashboard = fakeWindow()
    const stranger = fakeWindow()
    vi.spyOn(window, 'open').mockReturnValue(dashboard)
    openDashboard('/dashboard')
    answerTokenRequest(request(dashboard)) // no token held
    accessToken.value = 'header.payload.signature'
    answerTokenRequest(request(stranger))
    answerTokenRequest(request(dashboard, 'https://evil.example'))
    answerTokenRequest(request(dashboard, window.location.origin, 'something-else'))
    expect(dashboard.postMessage).not.toHaveBeenCalled()
    expect(stranger.postMessage).not.toHaveBeenCalled()
  })
})
