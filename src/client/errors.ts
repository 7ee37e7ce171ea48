/** Errors the client reports to the UI. Each carries its `cause` for the console. */
export class ClientError extends Error {
  override readonly name: string = 'ClientError';
}

export class NotRegisteredError extends ClientError {
  override readonly name = 'NotRegisteredError';
  constructor() {
    super('Choose a name first.');
  }
}

export class SendFailedError extends ClientError {
  override readonly name = 'SendFailedError';
}

export class StorageFailedError extends ClientError {
  override readonly name = 'StorageFailedError';
}
