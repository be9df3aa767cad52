import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import ActivityShowcase from './ActivityShowcase.vue'

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

function showcase(more: Record<string, unknown> = {}) {
  return {
    activity_id: 'a1', completed: false, photos: [], videos: [], photo_urls: [], video_urls: [], news_urls: [],
    actual_participants: null, summary: null, live: null, ...more,
  }
}
const live = (state: string) => ({ url: 'https://live.example.cn/1', starts_at: '2026-09-16T01:00:00Z', ends_at: '2026-09-16T03:00:00Z', state })

describe('ActivityShowcase', () => {
  const fetch = vi.fn<typeof globalThis.fetch>()
  beforeEach(() => vi.stubGlobal('fetch', fetch))
  afterEach(() => vi.unstubAllGlobals())

  async function open(body: unknown, status = 200) {
    fetch.mockReset()
    fetch.mockResolvedValue(json(status, body))
    const wrapper = mount(ActivityShowcase, { props: { id: 'a1' } })
    await flushPromises()
    return wrapper
  }

  it('shows 直播中 with the link while the stream runs, 直播预告 before, nothing after', async () => {
    const now = await open(showcase({ live: live('live') }))
    expect(now.text()).toContain('直播中')
    expect(now.get('a').attributes('href')).toBe('https://live.example.cn/1')
    expect((await open(showcase({ live: live('upcoming') }))).text()).toContain('直播预告')
    expect((await open(showcase({ live: live('ended') }))).text()).toBe('')
  })

  it('shows the completed info: turnout, photos opening the full image, summary, news', async () => {
    const photo = { key: 'k.jpg', kind: 'photo', url: '/api/v1/media/k.jpg', thumbnail_url: '/api/v1/media/k.thumb.jpg' }
    const wrapper = await open(
      showcase({ completed: true, photos: [photo], actual_participants: 186, summary: '座无虚席', news_urls: ['https://news.example.cn/a'] }),
    )
    expect(wrapper.text()).toContain('实际参与 186 人')
    expect(wrapper.get('img').attributes('src')).toBe('/api/v1/media/k.thumb.jpg')
    expect(wrapper.get('img').element.closest('a')?.getAttribute('href')).toBe('/api/v1/media/k.jpg')
    expect(wrapper.text()).toContain('座无虚席')
  })

  it('shows nothing for an activity without a showcase', async () => {
    expect((await open({ status: 404, title: '活动不存在或未公开 (not found)' }, 404)).text()).toBe('')
  })
})
