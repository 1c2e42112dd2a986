import { describe, expect, it } from 'vitest';
import type { ServicesSnapshot } from '../../../src/daemon/services-side.js';
import { createServicesRegistry } from '../../../src/observe/services-metrics.js';

const snapshot = (proxy: ServicesSnapshot['proxy']): ServicesSnapshot => ({ services: [], ipvs: null, proxy });

describe('the services metrics', () => {
  it('show HAProxy only with services whose client address is passed on', async () => {
    const none = await createServicesRegistry(() => snapshot(null)).metrics();
    expect(none).not.toMatch(/^tandem_proxy_up\{/m);
    const running = await createServicesRegistry(() => snapshot({ pid: 42, services: 1, serversIn: 2, serversOut: 1, reloads: 3, lastError: null })).metrics();
    expect(running).toMatch(/^tandem_proxy_up\{proxy="haproxy"\} 1$/m);
    expect(running).toMatch(/^tandem_proxy_reloads_total\{proxy="haproxy"\} 3$/m);
    const down = await createServicesRegistry(() => snapshot({ pid: null, services: 0, serversIn: 0, serversOut: 0, reloads: 3, lastError: 'haproxy is not installed' })).metrics();
    expect(down).toMatch(/^tandem_proxy_up\{proxy="haproxy"\} 0$/m);
  });
});
