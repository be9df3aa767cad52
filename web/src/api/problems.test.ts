import { describe, expect, it } from 'vitest'
import { chinesePart, ProblemError, problemOf, showProblem } from './problems'

function answer(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers })
}

describe('showProblem', () => {
  it('puts a malformed request’s fields beside their fields, in Chinese', () => {
    // shared/web/problems.py validation_problem: pydantic's English messages, with their types
    const body = {
      type: 'about:blank',
      title: '请求内容无效 (invalid request)',
      status: 422,
      detail: 'Invalid fields: details.title, password',
      errors: [
        { field: 'details.title', message: 'String should have at least 1 character', type: 'string_too_short' },
        { field: 'password', message: 'Field required', type: 'missing' },
        { field: 'password', message: 'a second error of the same field', type: 'value_error' },
      ],
    }
    const shown = showProblem(body, answer(422))
    expect(shown.status).toBe(422)
    expect(shown.message).toBe('请求内容无效')
    expect(shown.fieldErrors).toEqual({ 'details.title': '内容太短', password: '必填' })
    expect(shown.conflict).toBe(false)
    expect(shown.retryAfter).toBeNull()
  })

  it('shows a rule’s own Chinese message for its field and at the top', () => {
    const body = {
      type: 'about:blank',
      title: '活动信息无效 (invalid activity)',
      status: 422,
      detail: '活动日期须在登记窗口内 (outside the window)',
      errors: [{ field: 'starts_at', message: '活动日期须在登记窗口内 (outside the window)' }],
    }
    const shown = showProblem(body, answer(422))
    expect(shown.message).toBe('活动日期须在登记窗口内')
    expect(shown.fieldErrors).toEqual({ starts_at: '活动日期须在登记窗口内' })
  })

  it('drops pydantic\'s "Value error, " before a validator\'s own message', () => {
    const body = {
      title: '请求内容无效 (invalid request)',
      status: 422,
      errors: [{ field: 'week', message: 'Value error, 集中活动周的开始日期晚于结束日期 (the week starts after it ends)', type: 'value_error' }],
    }
    expect(showProblem(body, answer(422)).fieldErrors).toEqual({ week: '集中活动周的开始日期晚于结束日期' })
  })

  it('offers a reload for a stale version, not for a full quota', () => {
    const stale = showProblem(
      { type: '/problems/conflict', title: '版本冲突 (conflict)', status: 409, detail: 'version 3 expected 2; reload it and try again' },
      answer(409),
    )
    expect(stale.conflict).toBe(true)
    expect(stale.message).toBe('版本冲突')
    const quota = showProblem(
      { type: '/problems/quota-full', title: '推荐名额已满 (quota full)', status: 409, detail: '本级推荐名额已用完' },
      answer(409),
    )
    expect(quota.conflict).toBe(false)
    expect(quota.message).toBe('本级推荐名额已用完')
    expect(showProblem({ type: '/problems/wrong-state', title: 'x', status: 409 }, answer(409)).conflict).toBe(true)
  })

  it('reads Retry-After from the header, else from the body', () => {
    const throttled = { title: '尝试次数过多，请稍后再试', status: 429, retry_after: 60 }
    expect(showProblem(throttled, answer(429, { 'Retry-After': '30' })).retryAfter).toBe(30)
    expect(showProblem(throttled, answer(429)).retryAfter).toBe(60)
    expect(showProblem(throttled, answer(429)).message).toBe('尝试次数过多，请稍后再试')
  })

  it('says something in Chinese when the body is not a problem', () => {
    expect(showProblem('<html>Bad Gateway</html>', answer(502)).message).toBe('服务出错，请稍后再试')
    expect(showProblem(null, answer(404)).message).toBe('未找到该内容')
    expect(showProblem({ title: 'Not Found', status: 404 }, answer(404)).message).toBe('未找到该内容')
    expect(showProblem(undefined, answer(503, { 'Retry-After': '2' }))).toMatchObject({
      message: '服务暂不可用，请稍后再试',
      retryAfter: 2,
    })
  })
})

describe('problemOf', () => {
  it('turns anything a call threw into what to show', () => {
    const shown = showProblem({ title: '账号已停用', status: 403 }, answer(403))
    expect(problemOf(new ProblemError(shown))).toBe(shown)
    expect(problemOf(new TypeError('Failed to fetch'))).toMatchObject({ status: 0, message: '网络连接失败，请检查网络后重试' })
  })
})

describe('chinesePart', () => {
  it('drops the English gloss in parentheses', () => {
    expect(chinesePart('版本冲突 (conflict)')).toBe('版本冲突')
    expect(chinesePart('单位 u-1 不存在 (no such unit)')).toBe('单位 u-1 不存在')
    expect(chinesePart('An unexpected error occurred')).toBeNull()
    expect(chinesePart(42)).toBeNull()
  })
})
