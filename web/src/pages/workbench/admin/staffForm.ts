// The staff account form (AccountsPage) and what POST /api/v1/accounts is sent for it.
import type { RegistrationSchemas } from '@/api/client'
import type { Level } from './campaignForm'

export interface StaffForm {
  role: 'reviewer' | 'admin'
  login: string
  password: string
  repeat: string
  level: Level
  jurisdiction: string
  /** A mobile for password-reset codes (optional). */
  phone?: string
}

const RANK: Record<Level, number> = { county: 0, city: 1, province: 2, national: 3 }

/** The reviewer levels an admin of ``level`` creates: those below its own (the national admin: all). */
export function levelsBelow(level: Level | undefined, national: boolean): Level[] {
  const all: Level[] = ['county', 'city', 'province', 'national']
  return national || !level ? all : all.filter((l) => RANK[l] < RANK[level])
}

/** The body for the form: an admin sends neither level nor jurisdiction; an empty jurisdiction is none. */
export function staffIn(form: StaffForm): RegistrationSchemas['StaffIn'] {
  const phone = form.phone?.trim()
  const base = { login: form.login.trim(), password: form.password, role: form.role, ...(phone ? { phone } : {}) }
  if (form.role === 'admin') return base
  const jurisdiction = form.jurisdiction.trim()
  return { ...base, level: form.level, jurisdiction: jurisdiction || null }
}

/** What a jurisdiction of the level looks like. */
export function jurisdictionHint(level: Level): string {
  return {
    county: '6 位县级行政区划代码，如 610502',
    city: '4 位市级代码，如 6105（渭南市）',
    province: '2 位省级代码，如 61（陕西省）',
    national: '不填为全国；全国学会填 society:领域，部委系统 ministry:部委，有关单位 unit:单位',
  }[level]
}
