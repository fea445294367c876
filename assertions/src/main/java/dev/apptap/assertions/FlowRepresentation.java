package dev.apptap.assertions;

import dev.apptap.flow.Flow;
import org.assertj.core.presentation.StandardRepresentation;

/**
 * Records print every field, bodies included; inherited AssertJ checks (hasSize, contains, …) would then print
 * walls of text. One line per flow keeps their messages as readable as ours.
 */
final class FlowRepresentation extends StandardRepresentation {

    static final FlowRepresentation INSTANCE = new FlowRepresentation();

    @Override
    public String toStringOf(Object object) {
        return object instanceof Flow flow ? Lines.line(flow) : super.toStringOf(object);
    }
}
