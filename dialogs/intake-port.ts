import type { TicketType } from '../data/tickets/ticket';
import type { IntakeDraft, Receipt } from '../workers/intake/submit-ticket';

/** What the conversation needs from the rest of the product: a proposal from the text, and a way to submit. */
export interface IntakePort {
  /** The ticket type and urgency the classifier proposes for a description. */
  propose(text: string): { type: TicketType; urgent: boolean };
  /** Stores the ticket durably and queues it; throws when it did not go through. */
  submit(draft: IntakeDraft): Promise<Receipt>;
  /** Formats a deadline for citizens. */
  formatDeadline(iso: string): string;
}
