import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { mount } from '@vue/test-utils'
import { useCountdown, waitText } from './wait'

describe('waitText', () => {
  it('says the wait in seconds or minutes', () => {
    expect(waitText(45)).toBe('45 秒')
    expect(waitText(0.2)).toBe('1 秒')
    expect(waitText(125)).toBe('2 分 5 秒')
    expect(waitText(120)).toBe('2 分钟')
  })
})

describe('useCountdown', () => {
  afterEach(() => vi.useRealTimers())

  it('counts down once a second to zero, and stops when the component goes', async () => {
    vi.useFakeTimers()
    let countdown!: ReturnType<typeof useCountdown>
    const wrapper = mount(defineComponent({ setup: () => { countdown = useCountdown(); return () => h('div') } }))
    countdown.start(3)
    expect(countdown.left.value).toBe(3)
    vi.advanceTimersByTime(1000)
    expect(countdown.left.value).toBe(2)
    vi.advanceTimersByTime(5000)
    expect(countdown.left.value).toBe(0)
    countdown.start(10)
    wrapper.unmount()
    expect(countdown.left.value).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
