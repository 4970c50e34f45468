import type { Catalogue } from '../data/catalogue';
import type { KnowledgePort } from '../dialogs/knowledge-port';
import type { KnowledgeHolder } from '../workers/knowledge/holder';
import { submitTicket, type SubmitDeps } from '../workers/intake/submit-ticket';

/** The knowledge dialog's port: the knowledge base's confident answer, and recording a consultation answered on the spot. */
export function createKnowledgePort(deps: SubmitDeps & { knowledge: KnowledgeHolder; catalogue: Catalogue; secret: string }): KnowledgePort {
  return {
    find(text) {
      const hit = deps.knowledge.base.match(text);
      return hit ? { entryId: hit.entry.id, answer: hit.entry.answer, unitName: deps.catalogue.nameOf(hit.entry.department) } : null;
    },
    async answered({ intakeKey, text, entryId, channel }) {
      const entry = deps.knowledge.entries.find((e) => e.id === entryId);
      if (!entry) throw new Error(`Knowledge entry ${entryId} is gone`);
      const { ticket } = await submitTicket(
        { intakeKey, description: text, location: '（咨询，无具体地点）', type: '咨询', proposedType: '咨询', urgent: false, enterprise: false, channel, answered: { entryId, answer: entry.answer } },
        deps,
        deps.secret,
      );
      return { ticketId: ticket.id };
    },
  };
}
