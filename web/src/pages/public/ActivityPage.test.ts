import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import ActivityPage from './ActivityPage.vue'

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } })

const hour = 3600 * 1000
function activity(startsInHours: number, more: Record<string, unknown> = {}) {
  const start = new Date(Date.now() + startsInHours * hour)
  return {
    id: 'a1', name: '科学实验秀', organizer: '西安市科学技术协会', co_organizers: [], campaign_id: '2024-national',
    region_code: '610113', starts_at: start.toISOString(), ends_at: new Date(start.getTime() + 2 * hour).toISOString(),
    format: 'both', category: '重点活动', joint_action: null, programme: null, themes: ['科学教育'], target_groups: [],
    key_activity: true, expected_participants: null, online_url: 'https://live.example.cn/x', address: '小寨东路1号',
    description: null, position: null, check_ins: 3, rating_count: 0, rating_average: null, science_workers: 0,
    ...more,
  }
}

describe('ActivityPage', () => {
  const fetch = vi.fn<typeof globalThis.fetch>()
  let answers: Record<string, () => Response>

  beforeEach(() => {
    vi.stubGlobal('fetch', fetch)
    fetch.mockReset()
    fetch.mockImplementation(async (input) => {
      const request = input as Request
      const path = new URL(request.url, 'http://kepuri').pathname
      const key = `${request.method} ${path}`
      const answer = answers[key] ?? answers[`${request.method} ${path.replace(/\?.*/, '')}`]
      return answer ? answer() : json(404, { type: 'about:blank', title: '未找到 (not found)', status: 404 })
    })
  })
  afterEach(() => vi.unstubAllGlobals())

  async function open() {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
    const wrapper = mount(ActivityPage, { props: { id: 'a1' }, global: { plugins: [router] } })
    await flushPromises()
    return wrapper
  }

  it('checks in, and counts the check-in', async () => {
    answers = {
      'GET /api/v1/directory/activities/a1': () => json(200, activity(-1)),
      'POST /api/v1/directory/activities/a1/check-ins': () => json(202, { event_id: 'e1' }),
    }
    const wrapper = await open()
    expect(wrapper.text()).toContain('3 人打卡')
    expect(wrapper.find('a[href="https://live.example.cn/x"]').exists()).toBe(true)
    await wrapper.get('button.activity__checkin').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('打卡成功')
    expect(wrapper.text()).toContain('4 人打卡')
  })

  it('shows a 429 with its wait and keeps the button off meanwhile', async () => {
    answers = {
      'GET /api/v1/directory/activities/a1': () => json(200, activity(-1)),
      'POST /api/v1/directory/activities/a1/check-ins': () =>
        json(429, { type: 'about:blank', title: '请求过于频繁 (too many requests)', status: 429, retry_after: 42 }, { 'Retry-After': '42' }),
    }
    const wrapper = await open()
    await wrapper.get('button.activity__checkin').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('请求过于频繁，请 42 秒后再试')
    expect(wrapper.get('button.activity__checkin').attributes('disabled')).toBeDefined()
    wrapper.unmount()
  })

  it('asks for a rating before sending, then sends the rating and the comment', async () => {
    let sent: unknown = null
    answers = {
      'GET /api/v1/directory/activities/a1': () => json(200, activity(-1)),
      'POST /api/v1/directory/activities/a1/feedback': () => json(202, { event_id: 'e2' }),
    }
    const wrapper = await open()
    await wrapper.get('form').trigger('submit')
    expect(wrapper.text()).toContain('请先选择评分')
    await wrapper.findAll('input[name="rating"]')[3]!.setValue(true)
    await wrapper.get('textarea').setValue(' 很有收获 ')
    const original = fetch.getMockImplementation()!
    fetch.mockImplementationOnce(async (input) => {
      sent = await (input as Request).clone().json()
      return original(input)
    })
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(sent).toEqual({ rating: 4, comment: '很有收获' })
    expect(wrapper.text()).toContain('感谢你的评价')
  })

  it('before the start: no rating form, and check-in not yet open', async () => {
    answers = { 'GET /api/v1/directory/activities/a1': () => json(200, activity(48)) }
    const wrapper = await open()
    expect(wrapper.find('form').exists()).toBe(false)
    expect(wrapper.text()).toContain('活动开始后可以在这里评分和留言')
    expect(wrapper.text()).toContain('起可以打卡')
    expect(wrapper.get('button.activity__checkin').attributes('disabled')).toBeDefined()
  })

  it('opens the rating by itself when the activity starts while the page is open', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    try {
      answers = { 'GET /api/v1/directory/activities/a1': () => json(200, activity(20 / 3600)) } // in 20 s
      const wrapper = await open()
      expect(wrapper.find('form').exists()).toBe(false)
      await vi.advanceTimersByTimeAsync(21_000)
      expect(wrapper.find('form').exists()).toBe(true)
      wrapper.unmount()
    } finally {
      vi.useRealTimers()
    }
  })

  it('shows how many science workers take part', async () => {
    answers = { 'GET /api/v1/directory/activities/a1': () => json(200, activity(-1, { science_workers: 2 })) }
    const wrapper = await open()
    expect(wrapper.text()).toContain('2 位科技工作者参与')
  })

  it('says when the activity is not public', async () => {
    answers = {}
    const wrapper = await open()
    expect(wrapper.text()).toContain('这个活动不存在，或尚未公开')
  })
})
