import { runningConfig, SIM_DEVICE_SECRETS, defaultCatalystSeed } from '@mcp-platform/sandboxes/catalyst-center';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it.each([
    ['enable secret 9 $9$abc$defghij', 'enable secret <redacted>'],
    ['enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0', 'enable secret <redacted>'],
    ['enable password cisco123', 'enable password <redacted>'],
    ['username admin privilege 15 secret 9 $9$xyz', 'username admin privilege 15 secret <redacted>'],
    ['username netops password 7 094F471A1A0A', 'username netops password <redacted>'],
    [' password 7 0822455D0A16', ' password <redacted>'],
    ['snmp-server community Acme-RO RO SNMP-ACL', 'snmp-server community <redacted> RO SNMP-ACL'],
    ['snmp-server host 10.1.1.1 version 2c Acme-RO', 'snmp-server host 10.1.1.1 version 2c <redacted>'],
    ['snmp-server host 10.1.1.1 traps version 2c Acme-RO', 'snmp-server host 10.1.1.1 traps version 2c <redacted>'],
    ['snmp-server host 10.1.1.1 Acme-v1', 'snmp-server host 10.1.1.1 <redacted>'],
    ['snmp-server user mon NETMON v3 auth sha AuthPass priv aes 128 PrivPass', 'snmp-server user mon NETMON v3 auth sha <redacted> priv aes 128 <redacted>'],
    ['tacacs-server key 7 0822455D0A16', 'tacacs-server key <redacted>'],
    [' key 7 T4cacs-K3y', ' key <redacted>'],
    ['radius-server key S3cret', 'radius-server key <redacted>'],
    ['crypto isakmp key Pre$hared address 10.0.0.1', 'crypto isakmp key <redacted> address 10.0.0.1'],
    [' server-private 10.1.1.1 key 7 0822455D', ' server-private 10.1.1.1 key 7 <redacted>'],
    [' ip ospf message-digest-key 1 md5 0spf-K3y', ' ip ospf message-digest-key 1 md5 <redacted>'],
    [' ip ospf message-digest-key 1 md5 7 0822455D', ' ip ospf message-digest-key 1 md5 <redacted>'],
    ['ntp authentication-key 1 md5 NtpK3y 7', 'ntp authentication-key <redacted> <redacted> 7'],
    [' standby 1 authentication md5 key-string HsrpK3y', ' standby 1 authentication md5 key-string <redacted>'],
    [' neighbor 10.0.0.2 password 7 BgpP4ss', ' neighbor 10.0.0.2 password <redacted>'],
    [' wpa-psk ascii 0 WifiP4ss', ' wpa-psk ascii <redacted>'],
    [' pre-shared-key Ik3y', ' pre-shared-key <redacted>'],
  ])('redacts %j', (line, expected) => {
    expect(redactSecrets(line).text).toBe(expected);
  });

  it('leaves ordinary configuration alone', () => {
    const plain = ['service password-encryption', 'key chain OSPF-KEYS', ' key 1', 'crypto key generate rsa modulus 2048', 'interface GigabitEthernet1/0/1', ' description uplink', 'aaa authentication login default local'].join('\n');
    expect(redactSecrets(plain)).toEqual({ text: plain, redactions: 0 });
  });

  it('never reaches into the next line', () => {
    expect(redactSecrets('key chain K\n key 1\n  key-string 7 Abc\n!').text).toBe('key chain K\n key 1\n  key-string <redacted>\n!');
  });

  it('removes private key blocks', () => {
    const r = redactSecrets('a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nxyz\n-----END RSA PRIVATE KEY-----\nb');
    expect(r.text).toBe(`a\n${REDACTED} (private key)\nb`);
    expect(r.redactions).toBe(1);
  });

  it('removes every secret of a full running configuration and counts them', () => {
    const config = runningConfig(defaultCatalystSeed().devices[0]!, [' ip ospf message-digest-key 1 md5 ' + SIM_DEVICE_SECRETS.ospfKey]);
    const r = redactSecrets(config);
    for (const secret of Object.values(SIM_DEVICE_SECRETS)) expect(r.text).not.toContain(secret);
    expect(r.redactions).toBe(10);
    expect(r.text).toContain('hostname sjc01-core-01');
  });
});
