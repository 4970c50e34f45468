/** What a citizen may learn about a ticket after proving it is theirs. */
export interface TicketStatus {
  ticketId: string;
  stateName: string;
  /** The unit handling it, or null while the centre dispatches it. */
  unitName: string | null;
  /** The reply deadline (ISO), while a reply is due. */
  replyDeadline: string | null;
  /** Answers to the citizen so far, oldest first. */
  replies: { at: string; unitName: string; text: string }[];
  awaitingRating: boolean;
}

export type StatusLookup = { ok: true; status: TicketStatus } | { ok: false; reason: 'mismatch' | 'throttled'; retryMinutes?: number };

/** The status query's view of the product. */
export interface StatusPort {
  /**
   * The ticket's status if `proof` is the last four digits of its phone number or its query code (匿名). A wrong
   * number and a wrong proof give the same answer; repeated failures from one conversation are throttled.
   */
  lookup(ticketNumber: string, proof: string, conversationId: string): Promise<StatusLookup>;
}
