import { describe, expect, it } from 'vitest';
import { HttpError, statusFailure } from '../../src/fetch/failure.js';

describe('HttpError', () => {
  it('names the URL with its credentials redacted', () => {
    const err = new HttpError('http://user:s3cret@h/tcz/x.tcz', statusFailure(404, undefined), 1);
    expect(err.message).toBe('GET http://***@h/tcz/x.tcz: 404 Not Found');
    expect(err.url).toBe('http://***@h/tcz/x.tcz');
    expect(err.exitCode).toBe(3);
  });

  it('a 401 says whether credentials were sent', () => {
    expect(new HttpError('http://h/x', statusFailure(401, undefined), 1).message).toBe(
      'GET http://h/x: 401 Unauthorized (the server wants credentials: give them in the URL, http://USER:PASSWORD@HOST/…)',
    );
    expect(new HttpError('http://u:p@h/x', statusFailure(401, undefined), 1).message).toBe(
      'GET http://***@h/x: 401 Unauthorized (the server refused the credentials in the URL)',
    );
  });
});
