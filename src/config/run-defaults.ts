/**
 * Where `kvmplay run`'s options come from when the command line leaves them
 * out, strongest first: the ANSIBLE_* environment variables, kvmplay's own
 * config file (kvmplay.yaml), ansible.cfg, then kvmplay's defaults. (yargs
 * puts the command line over all of these.)
 */
import { ansibleCfgOptions, ansibleEnvOptions, findAnsibleCfg } from './ansible-cfg.ts'
import { findKvmplayConfig, kvmplayConfigOptions } from './kvmplay-config.ts'

/** The `from` of an option set by an ANSIBLE_* variable. */
export const ENV_SOURCE = 'the ANSIBLE_* environment'

/** -v's line for a source, in ansible-playbook's words where it has them. */
export const usingLine = (source: string): string => (source === ENV_SOURCE ? 'Using options from ANSIBLE_* environment variables' : `Using ${source} as config file`)

export interface RunDefaults {
  values: Record<string, unknown>
  /** Which file or variable each value came from, for messages. */
  from: Record<string, string>
  /** The files found and read, weakest first (and ENV_SOURCE where an ANSIBLE_* variable set something): -v names them. */
  read: string[]
}

export function runDefaults(known: ReadonlySet<string>, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): RunDefaults {
  const cfg = findAnsibleCfg(env, cwd)
  const own = findKvmplayConfig(env, cwd)
  const layers: [string, Record<string, unknown>][] = [
    [cfg ?? '', ansibleCfgOptions(cfg)],
    [own ?? '', kvmplayConfigOptions(own, known)],
    [ENV_SOURCE, ansibleEnvOptions(env, cwd)],
  ]
  const values: Record<string, unknown> = {}
  const from: Record<string, string> = {}
  for (const [source, options] of layers) {
    for (const [k, v] of Object.entries(options)) {
      values[k] = v
      from[k] = source
    }
  }
  const read = layers.filter(([source, options]) => source && (source !== ENV_SOURCE || Object.keys(options).length)).map(([source]) => source)
  return { values, from, read }
}
