/**
 * What each host was built with, as the lab's record (lab.json) keeps it:
 * its profile, whether its uplink takes its address by DHCP, its guests'
 * stand-ins, and whether its guests were left stopped. `up` keeps a running
 * host whose choices are the wanted ones and rebuilds any other.
 */
import { DEFAULT_PROFILE } from './profiles.ts'
import type { LabProfile } from './profiles.ts'
import type { GuestKind } from './guests.ts'
import { readRecord, writeRecord } from './state.ts'
import type { Lab } from './state.ts'

export interface HostChoices {
  profile: LabProfile
  dhcp: boolean
  guests: GuestKind[]
  /** Guests defined but none running (`lab up --no-running-guests`). */
  guestsStopped: boolean
}

/** A host's choices as the record has them (the defaults for hosts from before each choice existed). */
export function recordedChoices(lab: Lab, name: string): HostChoices {
  const r = readRecord(lab.dir)
  return {
    profile: r?.hostProfiles?.[name] ?? DEFAULT_PROFILE,
    dhcp: r?.hostDhcp?.[name] ?? false,
    guests: r?.hostGuests?.[name] ?? [],
    guestsStopped: r?.hostGuestsStopped?.[name] ?? false,
  }
}

export const sameChoices = (a: HostChoices, b: HostChoices) =>
  a.profile === b.profile && a.dhcp === b.dhcp && a.guests.join(',') === b.guests.join(',') && a.guestsStopped === b.guestsStopped

/** Notes (or, with undefined, forgets) what a host was built with. Synchronous: parallel boots cannot interleave. */
export function recordChoices(lab: Lab, name: string, choices: HostChoices | undefined): void {
  const record = readRecord(lab.dir)
  const hostProfiles = { ...record?.hostProfiles }
  const hostDhcp = { ...record?.hostDhcp }
  const hostGuests = { ...record?.hostGuests }
  const hostGuestsStopped = { ...record?.hostGuestsStopped }
  for (const map of [hostProfiles, hostDhcp, hostGuests, hostGuestsStopped]) delete map[name]
  if (choices) {
    hostProfiles[name] = choices.profile
    if (choices.dhcp) hostDhcp[name] = true
    if (choices.guests.length) hostGuests[name] = [...choices.guests]
    if (choices.guestsStopped) hostGuestsStopped[name] = true
  }
  writeRecord(lab, record?.hosts ?? 0, { profiles: record?.profiles, hostProfiles, hostDhcp, hostGuests, hostGuestsStopped })
}
