/**
 * Messenger configuration options, with Ceph's names, units and Pacific
 * defaults (`src/common/options/global.yaml.in`). Times are seconds, as in
 * ceph.conf.
 */
export interface MessengerOptions {
  /** Disable Nagle on every socket. */
  ms_tcp_nodelay: boolean;
  /** First reconnect delay after a failed connect attempt (seconds). */
  ms_initial_backoff: number;
  /** Upper bound of the doubling reconnect delay, also the delay after WAIT (seconds). */
  ms_max_backoff: number;
  /** A connection that is not ready this long after connecting starts faults (seconds). */
  ms_connection_ready_timeout: number;
  /** A ready connection with no traffic for this long faults (seconds). */
  ms_connection_idle_timeout: number;
  /** Bytes of received messages waiting for, or in, dispatch before reading pauses. */
  ms_dispatch_throttle_bytes: number;
  /** Lowest port tried when binding to port 0. */
  ms_bind_port_min: number;
  /** Highest port tried when binding to port 0. */
  ms_bind_port_max: number;
  /** Take our own IP from the address the peer says it sees (HELLO), not from the socket. */
  ms_learn_addr_from_peer: boolean;
  /** If non-zero, one socket operation in this many fails (testing). */
  ms_inject_socket_failures: number;
  /** Peer entity types ("osd mon client") whose messages get delayed (testing). */
  ms_inject_delay_type: string;
  /** Longest injected delivery delay (seconds). */
  ms_inject_delay_max: number;
  /** Probability that a message from a delayed type is delayed. */
  ms_inject_delay_probability: number;
  /** Pause (seconds) injected at the racy points of session establishment (testing). */
  ms_inject_internal_delays: number;
}

export const defaultMessengerOptions: Readonly<MessengerOptions> = Object.freeze({
  ms_tcp_nodelay: true,
  ms_initial_backoff: 0.2,
  ms_max_backoff: 15,
  ms_connection_ready_timeout: 10,
  ms_connection_idle_timeout: 900,
  ms_dispatch_throttle_bytes: 100 << 20,
  ms_bind_port_min: 6800,
  ms_bind_port_max: 7300,
  ms_learn_addr_from_peer: true,
  ms_inject_socket_failures: 0,
  ms_inject_delay_type: '',
  ms_inject_delay_max: 1,
  ms_inject_delay_probability: 0,
  ms_inject_internal_delays: 0,
});

export function resolveMessengerOptions(partial?: Partial<MessengerOptions>): MessengerOptions {
  return { ...defaultMessengerOptions, ...partial };
}
