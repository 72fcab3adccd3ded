import { describe, expect, it, vi } from 'vitest';
import { quietly } from '../dev/mongo.js';

describe('the test database: a failed mongod download is one line', () => {
  it('holds back the library console output and turns its failure into one line', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failure = new Error(
      'Download failed for url "https://example.invalid/mongod.tgz", Details:\ngetaddrinfo ENOTFOUND',
    );
    const start = quietly(async () => {
      console.error('Could NOT download "https://example.invalid/mongod.tgz"!');
      console.warn(
        'Starting the MongoMemoryServer Instance failed, enable debug log for more information. Error:\n',
        failure,
      );
      throw failure;
    });
    await expect(start).rejects.toThrow(
      /^could not start mongod \(Download failed for url "https:\/\/example\.invalid\/mongod\.tgz", Details: getaddrinfo ENOTFOUND\)$/,
    );
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    // The console is the test's again afterwards.
    console.warn('after');
    expect(warn).toHaveBeenCalledWith('after');
    warn.mockRestore();
    error.mockRestore();
  });
});
