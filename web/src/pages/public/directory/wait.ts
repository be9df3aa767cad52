// "Try again in N seconds" after a 429: the seconds left, counted down once a second.
import { onBeforeUnmount, ref, type Ref } from 'vue'

/** "45 秒", "2 分 5 秒" */
export function waitText(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds))
  if (whole < 60) return `${whole} 秒`
  const rest = whole % 60
  return rest ? `${Math.floor(whole / 60)} 分 ${rest} 秒` : `${whole / 60} 分钟`
}

/** A countdown: ``left`` is the seconds still to wait (0 when none); ``start(n)`` (re)starts it. */
export function useCountdown(): { left: Ref<number>; start: (seconds: number) => void; stop: () => void } {
  const left = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null
  function stop(): void {
    if (timer !== null) clearInterval(timer)
    timer = null
    left.value = 0
  }
  function start(seconds: number): void {
    stop()
    left.value = Math.max(0, Math.ceil(seconds))
    if (left.value === 0) return
    timer = setInterval(() => {
      left.value -= 1
      if (left.value <= 0) stop()
    }, 1000)
  }
  onBeforeUnmount(stop)
  return { left, start, stop }
}
