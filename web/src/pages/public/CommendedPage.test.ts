import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import CommendedPage from './CommendedPage.vue'

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

const campaign = (id: string, title: string) => ({ id, title, year: 2026 })
const commended = {
  kind: 'activity', subject_id: 'a1', name: '防灾减灾科普进校园', unit_name: '临渭区实验中学', region_code: '610502',
  commendations: [{ level: 'city', body_name: '渭南市', citation: '市科协予以表扬', on: '2026-09-30' }],
}

describe('CommendedPage', () => {
  const fetch = vi.fn<typeof globalThis.fetch>()
  let releaseFirst: () => void = () => {}

  beforeEach(() => {
    vi.stubGlobal('fetch', fetch)
    fetch.mockReset()
    fetch.mockImplementation(async (input) => {
      const url = new URL((input as Request).url, 'http://kepuri')
      if (url.pathname === '/api/v1/campaigns') {
        return json(200, { items: [campaign('food-week', '2026年渭南市食品安全科普周'), campaign('weinan', '2026年渭南市全国科普日')] })
      }
      if (url.searchParams.get('campaign') === 'food-week') {
        await new Promise<void>((resolve) => { releaseFirst = resolve }) // the first year's answer comes late
        return json(200, [])
      }
      return json(200, [commended])
    })
  })
  afterEach(() => vi.unstubAllGlobals())

  it('keeps the chosen year’s list when an earlier year’s answer arrives after it', async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: { template: '<div/>' } }] })
    const wrapper = mount(CommendedPage, { global: { plugins: [router] } })
    await flushPromises()
    await wrapper.get('select').setValue('weinan')
    await flushPromises()
    expect(wrapper.text()).toContain('防灾减灾科普进校园')
    releaseFirst()
    await flushPromises()
    expect(wrapper.text()).toContain('防灾减灾科普进校园')
    expect(wrapper.text()).toContain('市级表扬')
  })
})
