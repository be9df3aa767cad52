import { describe, expect, it } from 'vitest'
import { levelLabel, levelsFor, levelsWithin, regionName, type Region } from './regions'

const DATA: Record<string, Region[]> = {
  '': [
    { code: '11', name: '北京市' },
    { code: '61', name: '陕西省' },
  ],
  '11': [{ code: '110105', name: '朝阳区' }],
  '61': [
    { code: '6101', name: '西安市' },
    { code: '6105', name: '渭南市' },
  ],
  '6105': [{ code: '610502', name: '临渭区' }],
  '6101': [{ code: '610113', name: '雁塔区' }],
}
const load = async (parent: string) => DATA[parent] ?? []

describe('levelsFor', () => {
  it('lists only the provinces when no region is chosen', async () => {
    expect(await levelsFor('', load)).toEqual([{ options: DATA[''], selected: '' }])
  })

  it('opens a level under each chosen division, down to the county', async () => {
    const levels = await levelsFor('610502', load)
    expect(levels.map((level) => level.selected)).toEqual(['61', '6105', '610502'])
    const city = await levelsFor('6105', load)
    expect(city.map((level) => level.selected)).toEqual(['61', '6105', ''])
    expect(levelLabel(2, city[2]!.options)).toBe('区县')
  })

  it("puts a municipality's districts right under it", async () => {
    const levels = await levelsFor('110105', load)
    expect(levels.map((level) => level.selected)).toEqual(['11', '110105'])
    expect(levelLabel(1, levels[1]!.options)).toBe('区县')
    expect(levelLabel(1, DATA['61']!)).toBe('城市')
  })

  it('stops on a list that does not go deeper', async () => {
    const levels = await levelsFor('61', async () => [{ code: '61', name: '陕西省' }])
    expect(levels.map((level) => level.selected)).toEqual(['61'])
  })
})

describe('regionName', () => {
  it('names a region with its parents', async () => {
    expect(await regionName('610502', load)).toBe('陕西省 渭南市 临渭区')
    expect(await regionName('110105', load)).toBe('北京市 朝阳区')
  })
})

describe('levelsWithin', () => {
  it("offers only a local campaign's divisions, the levels above it chosen", async () => {
    const levels = await levelsWithin('', '6105', load)
    expect(levels.map((level) => level.selected)).toEqual(['61', '6105', ''])
    expect(levels.map((level) => level.options.map((option) => option.name))).toEqual([['陕西省'], ['渭南市'], ['临渭区']])
  })

  it('keeps a code inside it and drops one outside it', async () => {
    expect((await levelsWithin('610502', '6105', load)).map((level) => level.selected)).toEqual(['61', '6105', '610502'])
    expect((await levelsWithin('610113', '6105', load)).map((level) => level.selected)).toEqual(['61', '6105', ''])
  })

  it('offers all of China without a campaign region', async () => {
    expect(await levelsWithin('', '', load)).toEqual(await levelsFor('', load))
  })
})
