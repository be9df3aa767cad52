// The access token, in memory only: never localStorage, sessionStorage or a cookie (a reload
// logs the person out). The API client (client.ts) reads it; the session (auth/session.ts) sets and clears it.
import { shallowRef } from 'vue'

export const accessToken = shallowRef<string | null>(null)

type Listener = () => void
const unauthorizedListeners = new Set<Listener>()

/** Call ``listener`` when an API refuses the token (401): the session ends and the app sends the person to log in. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}

export function tokenRefused(): void {
  for (const listener of unauthorizedListeners) listener()
}
