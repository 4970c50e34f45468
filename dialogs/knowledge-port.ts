import type { ChannelInfo } from '../data/tickets/ticket';

/** An answer the knowledge base gives with confidence. */
export interface KnowledgeAnswer {
  entryId: string;
  answer: string;
  /** The unit responsible for the matter, as citizens read it. */
  unitName: string;
}

/** What the knowledge dialog needs from the product. */
export interface KnowledgePort {
  /** The knowledge base's confident answer to a message, or null. */
  find(text: string): KnowledgeAnswer | null;
  /**
   * Records the consultation as answered on the spot (即时办结): a ticket, closed at once with the answer. Idempotent
   * on intakeKey (a repeated "解决了" records one ticket). Throws when it could not be stored.
   */
  answered(input: { intakeKey: string; text: string; entryId: string; channel: ChannelInfo }): Promise<{ ticketId: string }>;
}
