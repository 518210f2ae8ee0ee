import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/index.ts';
import { telemetryConfig, tracingEnabled } from './sdk.ts';

describe('telemetry configuration (standard OTEL_* variables)', () => {
  it('is off when nothing is configured, so spans cost nothing', () => {
    expect(tracingEnabled(telemetryConfig('svc', {}))).toBe(false);
  });

  it('is on with an OTLP endpoint (all signals or traces only), off when the SDK is disabled or the exporter is none', () => {
    expect(tracingEnabled(telemetryConfig('svc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(true);
    expect(tracingEnabled(telemetryConfig('svc', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector:4318/v1/traces' }))).toBe(true);
    expect(tracingEnabled(telemetryConfig('svc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }))).toBe(false);
    expect(tracingEnabled(telemetryConfig('svc', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }))).toBe(false);
    expect(tracingEnabled(telemetryConfig('svc', { OTEL_TRACES_EXPORTER: 'console' }))).toBe(true);
  });

  it('names the variable of a bad value', () => {
    for (const [variable, bad] of [
      ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
      ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/xml'],
      ['OTEL_TRACES_EXPORTER', 'jaeger'],
      ['OTEL_SDK_DISABLED', 'yes'],
    ] as const) {
      let caught: unknown;
      try {
        telemetryConfig('svc', { [variable]: bad });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as ConfigError).issues.map((i) => i.variable)).toEqual([variable]);
    }
  });
});
