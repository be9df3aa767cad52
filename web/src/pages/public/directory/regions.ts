// The divisions (GB/T 2260) under a region, from the directory's /directory/regions, each list
// asked once per page load and shared by every picker and page that needs it.
import { call, registration, type RegistrationSchemas } from '@/api/client'

export type Region = RegistrationSchemas['Region']

const lists = new Map<string, Promise<Region[]>>()

/** The divisions directly under ``parent`` ('' for the provinces). A failed answer is not kept. */
export function childrenOf(parent: string): Promise<Region[]> {
  let pending = lists.get(parent)
  if (!pending) {
    const query = parent ? { parent } : {}
    pending = call(registration.GET('/api/v1/directory/regions', { params: { query } })).then((answer) => answer.items)
    pending.catch(() => lists.delete(parent))
    lists.set(parent, pending)
  }
  return pending
}

export interface Level {
  options: Region[]
  /** the option chosen at this level ('' for 全部) */
  selected: string
}

/** The picker's levels for a region code: the provinces, then the divisions under each chosen one
 * until a county (or a division with nothing under it). ``load`` gives the divisions under a code. */
export async function levelsFor(code: string, load: (parent: string) => Promise<Region[]> = childrenOf): Promise<Level[]> {
  const levels: Level[] = []
  let parent = ''
  for (let depth = 0; depth < 3; depth++) {
    const options = (await load(parent)).filter((option) => option.code.length > parent.length && option.code.startsWith(parent))
    if (!options.length) break
    const selected = options.find((option) => code.startsWith(option.code))?.code ?? ''
    levels.push({ options, selected })
    if (!selected || selected.length >= 6) break
    parent = selected
  }
  return levels
}

/** The levels for ``code`` inside ``within`` (a local campaign's division, '' for China): only the
 * divisions in it or above it are offered, so the levels above it stand chosen. A ``code`` outside
 * it is dropped for ``within`` itself. */
export async function levelsWithin(
  code: string,
  within: string,
  load: (parent: string) => Promise<Region[]> = childrenOf,
): Promise<Level[]> {
  const inside = (option: string) => option.startsWith(within) || within.startsWith(option)
  const levels = await levelsFor(code && inside(code) ? code : within, load)
  return levels.map((level) => ({ ...level, options: level.options.filter((option) => inside(option.code)) }))
}

/** The names of a region and its parents, e.g. 陕西省 西安市 雁塔区. */
export async function regionName(code: string, load: (parent: string) => Promise<Region[]> = childrenOf): Promise<string> {
  const levels = await levelsFor(code, load)
  return levels
    .map((level) => level.options.find((option) => option.code === level.selected)?.name)
    .filter(Boolean)
    .join(' ')
}

/** The label of a level: 省份, then 城市 or, under a municipality, 区县. */
export function levelLabel(index: number, options: Region[]): string {
  if (index === 0) return '省份'
  return options[0] && options[0].code.length >= 6 ? '区县' : '城市'
}
