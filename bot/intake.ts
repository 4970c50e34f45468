import { formatDeadlineZh } from '../data/calendar/deadlines';
import type { IntakePort } from '../dialogs/intake-port';
import type { DepartmentClassifier } from '../workers/classifier/model';
import { submitTicket, type SubmitDeps } from '../workers/intake/submit-ticket';

/** The conversation's view of intake: the classifier's proposal, and submitting to the store and the intake queue. */
export function createIntakePort(deps: SubmitDeps & { classifier: DepartmentClassifier; secret: string }): IntakePort {
  return {
    propose(text) {
      const p = deps.classifier.predict(text);
      return { type: p.type, urgent: p.urgent };
    },
    submit(draft) {
      return submitTicket(draft, deps, deps.secret);
    },
    formatDeadline: formatDeadlineZh,
  };
}
