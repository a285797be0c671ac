import { createMemoryStores } from '../../src/store/memory/index.js';
import { testKeyStore } from './key-store-suite.js';

testKeyStore('memory', async () => ({ stores: createMemoryStores(), cleanup: async () => {} }));
