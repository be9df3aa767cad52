import { describe, expect, it } from 'vitest'
import { worksOf, worksText } from './organizer'

describe('online works (千万IP创科普) on the activity form', () => {
  it('reads one work a line, the platform before the link, and writes the same lines back', () => {
    const text = 'B站 https://www.bilibili.com/video/BV1\n\n  微信视频号   https://channels.weixin.qq.com/x  \nhttps://example.cn/v'
    const works = worksOf(text)
    expect(works).toEqual([
      { platform: 'B站', url: 'https://www.bilibili.com/video/BV1' },
      { platform: '微信视频号', url: 'https://channels.weixin.qq.com/x' },
      { platform: '其他', url: 'https://example.cn/v' },
    ])
    expect(worksOf(worksText(works))).toEqual(works)
    expect(worksOf('')).toEqual([])
  })
})
