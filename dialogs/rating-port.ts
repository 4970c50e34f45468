import type { Rating } from '../data/tickets/ticket';

/** What the rating conversation needs from the rest of the product. */
export interface RatingPort {
  /** The ticket answered in this conversation that still waits for the citizen's rating, if any. */
  awaiting(conversationId: string): Promise<{ ticketId: string } | null>;
  /**
   * Records the rating (回访/好差评). Satisfied and solved closes the ticket; otherwise it is reopened (重办) with a
   * new reply deadline. Throws when it did not go through.
   */
  rate(ticketId: string, conversationId: string, rating: Pick<Rating, 'satisfaction' | 'solved' | 'comment'>): Promise<{ reopened: boolean; replyDeadline?: string }>;
}
