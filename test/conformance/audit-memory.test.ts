import { createMemoryAuditStore } from '../../src/store/memory/audit.js';
import { testAuditStore } from './audit-store-suite.js';

testAuditStore('memory', async () => ({ store: createMemoryAuditStore(), cleanup: async () => {} }));
