#!/usr/bin/env node
// kvmplay runs from its TypeScript sources (and loads playbooks the same way):
// tsx compiles on import, so there is no build step to forget.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
