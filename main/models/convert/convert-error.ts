/** The one error the converter throws for input it cannot convert; its message is one plain sentence for the user. */
export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertError';
  }
}
