// Module hooks (node:module register) for loading playbooks:
// - a playbook anywhere on disk can `import … from 'kvmplay'` / 'kvmplay/tasks'
//   and gets this kvmplay, without installing it beside the playbook;
// - TypeScript outside node_modules loads as an ES module even where no
//   package.json says "type": "module" (a playbook in ~/plays), so
//   `import` and top-level `await` work everywhere.
const MAP = {
  kvmplay: '../index.ts',
  'kvmplay/tasks': '../../tasks/index.ts',
}

export async function resolve(specifier, context, next) {
  const target = MAP[specifier]
  if (target) return { url: new URL(target, import.meta.url).href, format: 'module', shortCircuit: true }
  const resolved = await next(specifier, context)
  if (/\.m?ts$/.test(resolved.url) && resolved.url.startsWith('file:') && !resolved.url.includes('/node_modules/')) {
    return { ...resolved, format: 'module' }
  }
  return resolved
}
