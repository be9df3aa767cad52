import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import SearchPage from './SearchPage.vue'

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const item = (id: string) => ({
  id, name: `活动${id}`, organizer: '渭南市科技馆', co_organizers: [], campaign_id: '2024-national', region_code: '610502',
  starts_at: '2024-09-16T01:00:00+00:00', ends_at: '2024-09-16T03:00:00+00:00', format: 'online', category: null,
  joint_action: null, programme: null, themes: [], target_groups: [], key_activity: false, expected_participants: null,
  online_url: null, address: null, description: null, position: null, check_ins: 0, rating_count: 0, rating_average: null,
})

describe('SearchPage', () => {
  const fetch = vi.fn<typeof globalThis.fetch>()
  const searches: URLSearchParams[] = []

  beforeEach(() => {
    searches.length = 0
    vi.stubGlobal('fetch', fetch)
    fetch.mockReset()
    fetch.mockImplementation(async (input) => {
      const url = new URL((input as Request).url, 'http://kepuri')
      if (url.pathname === '/api/v1/directory/activities') {
        searches.push(url.searchParams)
        return url.searchParams.get('cursor')
          ? json(200, { items: [item('3')], next_cursor: null })
          : json(200, { items: [item('1'), item('2')], next_cursor: 'next' })
      }
      if (url.pathname === '/api/v1/directory/regions') return json(200, { items: url.searchParams.get('parent') ? [] : [{ code: '61', name: '陕西省' }] })
      if (url.pathname === '/api/v1/campaigns') return json(200, { items: [] })
      return json(404, {})
    })
  })
  afterEach(() => vi.unstubAllGlobals())

  async function open(path: string) {
    const router = createRouter({
      history: createMemoryHistory(),
      routes: [
        { path: '/search', component: SearchPage },
        { path: '/activities/:id', name: 'activity', component: { template: '<div/>' } },
      ],
    })
    await router.push(path)
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] } })
    await flushPromises()
    return { wrapper, router }
  }

  it('searches with the filters of the URL, and 加载更多 appends the next page', async () => {
    const { wrapper } = await open('/search?q=科技馆&region=61&format=online&key_activity=true')
    expect(Object.fromEntries(searches[0]!)).toEqual({ q: '科技馆', region: '61', format: 'online', key_activity: 'true', limit: '20' })
    expect(wrapper.findAll('article')).toHaveLength(2)
    expect(wrapper.text()).toContain('线上')
    const more = wrapper.findAll('button').find((button) => button.text() === '加载更多')!
    await more.trigger('click')
    await flushPromises()
    expect(searches[1]!.get('cursor')).toBe('next')
    expect(wrapper.findAll('article')).toHaveLength(3)
    expect(wrapper.text()).toContain('已全部显示')
  })

  it('puts a changed filter into the URL and searches again', async () => {
    const { wrapper, router } = await open('/search')
    await wrapper.get('input[type="radio"][value="offline"]').trigger('change')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ format: 'offline' })
    expect(searches.at(-1)!.get('format')).toBe('offline')
    await wrapper.get('#search-text').setValue('人工智能')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(router.currentRoute.value.query).toEqual({ q: '人工智能', format: 'offline' })
  })

  it('says when nothing matches, and shows a refusal with a retry', async () => {
    fetch.mockImplementation(async (input) => {
      const url = new URL((input as Request).url, 'http://kepuri')
      if (url.pathname === '/api/v1/directory/activities' && url.searchParams.get('q') === '没有') return json(200, { items: [], next_cursor: null })
      if (url.pathname === '/api/v1/directory/activities') return json(503, { type: 'about:blank', title: '服务暂时不可用，请稍后再试 (service unavailable)', status: 503 })
      return json(200, { items: [] })
    })
    const empty = await open('/search?q=没有')
    expect(empty.wrapper.text()).toContain('没有找到符合条件的活动')
    const failed = await open('/search?q=其他')
    expect(failed.wrapper.text()).toContain('服务暂时不可用，请稍后再试')
    expect(failed.wrapper.findAll('button').some((button) => button.text() === '重试')).toBe(true)
  })
})
