import type { Connection } from '../connection.js';
import { AutotaskClient } from './autotask.js';
import { ConnectWiseClient } from './connectwise.js';
import { HaloClient } from './halopsa.js';
import type { ClientOptions, PsaClient } from './psa-client.js';

export type ClientFactory = (connection: Connection) => PsaClient;

export function createPsaClient(connection: Connection, options: ClientOptions = {}): PsaClient {
  switch (connection.psa) {
    case 'connectwise':
      return new ConnectWiseClient(connection, options);
    case 'autotask':
      return new AutotaskClient(connection, options);
    case 'halopsa':
      return new HaloClient(connection, options);
  }
}
