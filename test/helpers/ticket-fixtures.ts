import * as crypto from 'node:crypto';
import type { NewTicket, NewTicketEvent } from '../../data/tickets/ticket';

/** A new ticket as the intake would store it. */
export function newTicket(overrides: Partial<NewTicket> = {}): NewTicket {
  return {
    intakeKey: crypto.randomUUID(),
    type: '投诉',
    proposedType: '投诉',
    urgent: false,
    enterprise: false,
    description: '楼下烧烤店油烟太大，晚上十点还在烤',
    location: '幸福路88号',
    citizen: { anonymous: false, phone: '13812345678' },
    channel: { channelId: 'test', reference: { conversation: { id: 'c1' } } },
    receivedAt: '2026-11-22T02:00:00.000Z',
    deadlines: { ack: '2026-11-23T23:59:59+08:00', reply: '2026-12-04T23:59:59+08:00', provisional: false },
    ...overrides,
  };
}

export function receivedEvent(at = '2026-11-22T02:00:00.000Z'): NewTicketEvent {
  return { at, actor: { id: 'citizen', role: 'citizen' }, action: 'received', to: 'received' };
}
