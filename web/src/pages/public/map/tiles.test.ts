import { afterEach, describe, expect, it, vi } from 'vitest'
import { isTileTemplate, tileSetting, tileUrl } from './tiles'

const STANDIN = 'http://127.0.0.1:8405/{layer}/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={tk}'

describe('the tile setting the proxy serves', () => {
  it('is the offline map when nothing, or nothing valid, is set', () => {
    for (const answer of [
      null, 'text', {}, { map: null }, { map: 'amap' },
      { map: { tiles: '', key: '', url: '', approval: '' } },
      { map: { tiles: 'google' } },
      { map: { tiles: 'TIANDITU', key: 'abc' } }, // the proxy passes only the exact names
      { map: { tiles: 'tianditu', key: '' } }, // 天地图 refuses every tile without its key
      { map: { tiles: 'tianditu', key: 'a"b' } },
      { map: { tiles: 'amap', url: 'javascript:alert(1)//{z}{x}{y}' } },
      { map: { tiles: 'amap', url: 'https://tiles.example.cn/{z}/{x}.png' } }, // no {y}
    ]) {
      expect(tileSetting(answer), JSON.stringify(answer)).toBeNull()
    }
  })

  it('draws 天地图 as its streets (vec_w) and their labels (cva_w), with the key', () => {
    const setting = tileSetting({ map: { tiles: 'tianditu', key: 'abc123', url: '', approval: 'GS(2024)0000号' } })!
    expect(setting.provider).toBe('tianditu')
    expect(setting.layers.map((l) => tileUrl(l, 11, 1672, 818))).toEqual([
      'https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default'
        + '&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX=11&TILEROW=818&TILECOL=1672&tk=abc123',
      'https://t0.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=cva&STYLE=default'
        + '&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX=11&TILEROW=818&TILECOL=1672&tk=abc123',
    ])
    expect(setting.layers[0]!.subdomains).toEqual(['0', '1', '2', '3', '4', '5', '6', '7'])
    expect(setting.attribution).toBe('© 天地图 审图号：GS(2024)0000号')
  })

  it('draws 高德 from webrd01-04, GCJ-02 street tiles with Chinese labels', () => {
    const setting = tileSetting({ map: { tiles: 'amap', key: '', url: '', approval: '' } })!
    expect(setting.layers).toHaveLength(1)
    expect(tileUrl(setting.layers[0]!, 11, 1672, 818)).toBe(
      'https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x=1672&y=818&z=11',
    )
    expect(setting.layers[0]!.subdomains).toEqual(['1', '2', '3', '4'])
    expect(setting.attribution).toBe('© 高德地图') // no 审图号 set: none invented
  })

  it('takes a template in place of the provider’s (a stand-in, a mirror), the provider’s layers kept', () => {
    const setting = tileSetting({ map: { tiles: 'tianditu', key: 'k1', url: STANDIN, approval: '' } })!
    expect(setting.layers.map((l) => tileUrl(l, 10, 836, 409))).toEqual([
      'http://127.0.0.1:8405/vec/wmts?TILEMATRIX=10&TILEROW=409&TILECOL=836&tk=k1',
      'http://127.0.0.1:8405/cva/wmts?TILEMATRIX=10&TILEROW=409&TILECOL=836&tk=k1',
    ])
    const amap = tileSetting({ map: { tiles: 'amap', url: 'http://127.0.0.1:9/{z}/{x}/{y}.png' } })!
    expect(tileUrl(amap.layers[0]!, 3, 6, 2)).toBe('http://127.0.0.1:9/3/6/2.png')
  })

  it('shows no 审图号 that is not one (markup, a stray value)', () => {
    expect(tileSetting({ map: { tiles: 'amap', approval: '<b>x</b>' } })!.attribution).toBe('© 高德地图')
  })

  it('knows a template when it sees one', () => {
    expect(isTileTemplate('https://a.example.cn/{z}/{x}/{y}.png')).toBe(true)
    expect(isTileTemplate('https://a.example.cn:8443/t?z={z}&x={x}&y={y}')).toBe(true)
    expect(isTileTemplate('ftp://a.example.cn/{z}/{x}/{y}')).toBe(false)
    expect(isTileTemplate('https://a.example.cn/{z}/{x}/{y}"onerror=')).toBe(false)
  })
})

describe('loadTileSetting', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.resetModules()
  })

  it('reads /site-settings.json once, and falls back to the offline map when it cannot', async () => {
    const fetch = vi.fn().mockResolvedValue(new Response(JSON.stringify({ map: { tiles: 'amap' } })))
    vi.stubGlobal('fetch', fetch)
    const { loadTileSetting } = await import('./tiles')
    expect((await loadTileSetting())?.provider).toBe('amap')
    await loadTileSetting()
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(String(fetch.mock.calls[0]![0])).toMatch(/site-settings\.json$/)
  })

  it('is the offline map on a 404, a broken answer or no network', async () => {
    for (const answer of [
      () => Promise.resolve(new Response('nope', { status: 404 })),
      () => Promise.resolve(new Response('{"map":')),
      () => Promise.reject(new TypeError('offline')),
    ]) {
      vi.resetModules()
      vi.stubGlobal('fetch', vi.fn(answer))
      const { loadTileSetting } = await import('./tiles')
      expect(await loadTileSetting()).toBeNull()
    }
  })
})
