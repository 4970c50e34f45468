/** Thrown by updateTicket when the ticket changed since it was read: the caller reloads and decides again. */
export class VersionConflictError extends Error {
  readonly code = 'VERSION_CONFLICT';
  constructor(readonly ticketId: string, readonly expectedVersion: number) {
    super(`Ticket ${ticketId} is no longer at version ${expectedVersion}`);
    this.name = 'VersionConflictError';
  }
}

/** Thrown when a ticket that must exist does not. */
export class TicketNotFoundError extends Error {
  readonly code = 'TICKET_NOT_FOUND';
  constructor(readonly ticketId: string) {
    super(`Ticket ${ticketId} not found`);
    this.name = 'TicketNotFoundError';
  }
}

/** Thrown by the bot-state storage when a write carries an eTag that is no longer current. */
export class StateConflictError extends Error {
  readonly code = 'STATE_CONFLICT';
  constructor(readonly key: string) {
    super(`Conversation state "${key}" was changed by another turn`);
    this.name = 'StateConflictError';
  }
}
