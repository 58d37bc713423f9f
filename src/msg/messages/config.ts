import { Decoder } from '../../encoding/decoder.js';
import { encode } from '../../encoding/encoder.js';
import { decodeEntityName, encodeEntityName, type EntityName } from '../../encoding/types.js';
import { Message, registerMessage, type MessageHeader, type MessagePayload } from '../message.js';
import { MonMessageType } from './mon-message-types.js';
import { checkCompat, decodeStringMap, encodeStringMap } from './mon-encoding.js';

/**
 * `MConfig`: the monitor's centralized configuration for the receiver (the
 * options from `ceph config set` whose masks match it), sent on a "config"
 * subscription and again whenever it changes. The map replaces the previous one.
 */
export class MConfig extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_CONFIG;
  override version = MConfig.HEAD_VERSION;
  override compatVersion = MConfig.COMPAT_VERSION;
  /** `map<string,string> config`: option name → value. */
  config: Map<string, string>;

  constructor(init: { config?: ReadonlyMap<string, string> } = {}) {
    super();
    this.config = new Map(init.config ?? []);
  }

  static decode(header: MessageHeader, payload: MessagePayload): MConfig {
    checkCompat(header, MConfig.HEAD_VERSION, 'config');
    return new MConfig({ config: decodeStringMap(new Decoder(payload.front)) });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => encodeStringMap(e, this.config));
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'config';
  }
}

/**
 * `MGetConfig`: ask the monitor for the configuration of an entity on a host
 * (used by tools that are not the entity themselves); answered by MConfig.
 */
export class MGetConfig extends Message {
  static readonly HEAD_VERSION = 1;
  static readonly COMPAT_VERSION = 1;
  readonly type = MonMessageType.MSG_GET_CONFIG;
  override version = MGetConfig.HEAD_VERSION;
  override compatVersion = MGetConfig.COMPAT_VERSION;
  /** `EntityName name`: whose configuration (mon.a, client.foo). */
  name: EntityName;
  /** `string host`: the host the entity runs on (for host masks). */
  host: string;
  /** `string device_class`: the OSD's device class (for class masks), or ''. */
  deviceClass: string;

  constructor(init: { name: EntityName; host: string; deviceClass?: string }) {
    super();
    this.name = init.name;
    this.host = init.host;
    this.deviceClass = init.deviceClass ?? '';
  }

  static decode(header: MessageHeader, payload: MessagePayload): MGetConfig {
    checkCompat(header, MGetConfig.HEAD_VERSION, 'get_config');
    const d = new Decoder(payload.front);
    const name = decodeEntityName(d);
    const host = d.string();
    return new MGetConfig({ name, host, deviceClass: d.string() });
  }

  encodePayload(): MessagePayload {
    const front = encode((e) => {
      encodeEntityName(e, this.name);
      e.string(this.host).string(this.deviceClass);
    });
    return { front, middle: Buffer.alloc(0), data: [] };
  }

  get typeName(): string {
    return 'get_config';
  }
}

registerMessage(MonMessageType.MSG_CONFIG, (header, payload) => MConfig.decode(header, payload));
registerMessage(MonMessageType.MSG_GET_CONFIG, (header, payload) => MGetConfig.decode(header, payload));
